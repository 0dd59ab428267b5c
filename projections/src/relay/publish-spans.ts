/**
 * The relay's part of a trace: a PRODUCER span per published event that carries a trace
 * context, child of the append that wrote it. The event goes out with that span as its
 * `traceparent` (in the metadata and as a Kafka header), so the reactor consuming it
 * continues the same trace. Untraced events pass through untouched and cost nothing.
 */
import {
  contextFromTraceparent,
  failSpan,
  formatTraceparent,
  SPAN_ATTRIBUTES,
  SpanKind,
  tracer,
  type RecordedEvent,
  type Span,
} from '@booking/shared-kernel';

export class PublishSpans {
  private readonly spans: Span[] = [];

  /** the event as it is to be published (with the publish span's trace context) */
  prepare(event: RecordedEvent, topic: string): RecordedEvent {
    const traceparent = event.metadata.traceparent;
    if (!traceparent) return event;
    const span = tracer.startSpan(
      `publish ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          [SPAN_ATTRIBUTES.eventType]: event.type,
          [SPAN_ATTRIBUTES.eventId]: event.metadata.eventId,
          [SPAN_ATTRIBUTES.correlationId]: event.metadata.correlationId,
        },
      },
      contextFromTraceparent(traceparent),
    );
    if (!span.isRecording()) {
      span.end();
      return event;
    }
    this.spans.push(span);
    return { ...event, metadata: { ...event.metadata, traceparent: formatTraceparent(span.spanContext()) } };
  }

  /** after the broker acknowledged (or, with `err`, when the relay gave up on the batch) */
  end(err?: unknown): void {
    for (const span of this.spans) {
      if (err !== undefined) failSpan(span, err);
      span.end();
    }
    this.spans.length = 0;
  }
}
