/**
 * Wraps a reactor for metrics and traces, whichever runner drives it (event store or
 * Kafka consumer group): each attempt is a CONSUMER span continuing the trace of the
 * append (or relay publish) recorded in the event's `traceparent`, and counts as a
 * success or a failure; another attempt on an event that failed counts as a retry.
 * Dead letters are counted by the runners, which decide to park (`onParked`).
 */
import {
  contextFromTraceparent,
  failSpan,
  SPAN_ATTRIBUTES,
  SpanKind,
  context,
  trace,
  tracer,
  type CounterCell,
  type HistogramCell,
  type PlatformMetrics,
} from '@booking/shared-kernel';
import type { Reactor } from './reactor.js';

export function instrumentReactor(reactor: Reactor, metrics: PlatformMetrics): Reactor {
  const name = reactor.name;
  const handled: CounterCell = metrics.reactorHandled.cell(name);
  const failures: CounterCell = metrics.reactorFailures.cell(name);
  const retries: CounterCell = metrics.reactorRetries.cell(name);
  const duration: HistogramCell = metrics.reactorDuration.cell(name);
  // events whose last attempt failed (partitions run concurrently on the bus); bounded:
  // ids of events that were parked instead of retried are dropped wholesale now and then
  const failed = new Set<string>();
  return {
    name,
    eventTypes: reactor.eventTypes,
    async handle(event, deps, ctx) {
      const eventId = event.metadata.eventId;
      if (failed.has(eventId)) retries.value++;
      const parent = contextFromTraceparent(event.metadata.traceparent, context.active());
      const span = tracer.startSpan(
        `reactor ${name}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            [SPAN_ATTRIBUTES.reactor]: name,
            [SPAN_ATTRIBUTES.eventType]: event.type,
            [SPAN_ATTRIBUTES.eventId]: eventId,
            [SPAN_ATTRIBUTES.streamId]: event.streamId,
            [SPAN_ATTRIBUTES.correlationId]: event.metadata.correlationId,
            [SPAN_ATTRIBUTES.causationId]: event.metadata.causationId,
          },
        },
        parent,
      );
      const start = performance.now();
      try {
        await context.with(trace.setSpan(parent, span), () => reactor.handle(event, deps, ctx));
        handled.value++;
        failed.delete(eventId);
      } catch (err) {
        failures.value++;
        if (failed.size >= 1000) failed.clear();
        failed.add(eventId);
        failSpan(span, err);
        throw err;
      } finally {
        duration.observe((performance.now() - start) / 1000);
        span.end();
      }
    },
  };
}
