/**
 * An event store decorator: call latencies and appended events for the metrics, a span
 * per append, and the append span's `traceparent` in each appended event's metadata so
 * whoever handles the event later continues the trace. Any adapter can be wrapped; none
 * of them knows about metrics or traces.
 */
import { SpanKind } from '@opentelemetry/api';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../ports/event-store.js';
import type { CounterCell, HistogramCell, PlatformMetrics } from './metrics.js';
import { context, failSpan, formatTraceparent, SPAN_ATTRIBUTES, tracer } from './tracing.js';

type Operation = 'append' | 'appendToStreams' | 'readStream' | 'readAll' | 'headPosition';
type Outcome = 'ok' | 'conflict' | 'error';

export class InstrumentedEventStore implements EventStore {
  private readonly timers = new Map<string, HistogramCell>();
  private readonly appended = new Map<string, CounterCell>();

  /** present exactly when the wrapped store has it (its presence promises atomicity) */
  readonly appendToStreams?: (appends: readonly StreamAppend[]) => Promise<AppendResult[]>;

  constructor(
    readonly inner: EventStore,
    private readonly metrics: PlatformMetrics,
  ) {
    if (inner.appendToStreams) this.appendToStreams = (appends) => this.instrumentedAppendToStreams(appends);
  }

  private timer(operation: Operation, outcome: Outcome): HistogramCell {
    const key = `${operation}:${outcome}`;
    let cell = this.timers.get(key);
    if (!cell) this.timers.set(key, (cell = this.metrics.eventStoreCalls.cell(operation, outcome)));
    return cell;
  }

  /** The store's own promise, timed by a branch beside it (no wrapper promise for the caller to wait on). */
  private timed<T>(operation: Operation, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    let result: Promise<T>;
    try {
      result = call();
    } catch (err) {
      this.timer(operation, 'error').observe((performance.now() - start) / 1000);
      return Promise.reject(err as Error);
    }
    result.then(
      () => this.timer(operation, 'ok').observe((performance.now() - start) / 1000),
      () => this.timer(operation, 'error').observe((performance.now() - start) / 1000),
    );
    return result;
  }

  private countAppended(events: readonly NewEvent[]): void {
    for (const e of events) {
      let cell = this.appended.get(e.type);
      if (!cell) this.appended.set(e.type, (cell = this.metrics.eventsAppended.cell(e.type)));
      cell.value++;
    }
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const parent = context.active();
    const span = tracer.startSpan('eventstore.append', { kind: SpanKind.CLIENT }, parent);
    let toStore = events;
    if (span.isRecording()) {
      const first = events[0]?.metadata;
      span.setAttributes({
        [SPAN_ATTRIBUTES.streamId]: streamId,
        [SPAN_ATTRIBUTES.eventCount]: events.length,
        ...(first ? { [SPAN_ATTRIBUTES.correlationId]: first.correlationId } : {}),
      });
      // only a traced append pays for copying the events
      const traceparent = formatTraceparent(span.spanContext());
      toStore = events.map((e) => ({ ...e, metadata: { ...e.metadata, traceparent } }));
    }
    const start = performance.now();
    try {
      const result = await this.inner.append(streamId, toStore, expectedRevision);
      this.timer('append', 'ok').observe((performance.now() - start) / 1000);
      this.countAppended(events);
      return result;
    } catch (err) {
      const conflict = err instanceof WrongExpectedRevisionError;
      this.timer('append', conflict ? 'conflict' : 'error').observe((performance.now() - start) / 1000);
      if (conflict) span.setAttribute('booking.append.conflict', true);
      else failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async instrumentedAppendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const parent = context.active();
    const span = tracer.startSpan('eventstore.appendToStreams', { kind: SpanKind.CLIENT }, parent);
    let toStore = appends;
    if (span.isRecording()) {
      const first = appends.find((a) => a.events.length > 0)?.events[0]?.metadata;
      span.setAttributes({
        [SPAN_ATTRIBUTES.streamId]: appends.map((a) => a.streamId).join(' '),
        [SPAN_ATTRIBUTES.eventCount]: appends.reduce((n, a) => n + a.events.length, 0),
        ...(first ? { [SPAN_ATTRIBUTES.correlationId]: first.correlationId } : {}),
      });
      const traceparent = formatTraceparent(span.spanContext());
      toStore = appends.map((a) => ({
        ...a,
        events: a.events.map((e) => ({ ...e, metadata: { ...e.metadata, traceparent } })),
      }));
    }
    const start = performance.now();
    try {
      const results = await this.inner.appendToStreams!(toStore);
      this.timer('appendToStreams', 'ok').observe((performance.now() - start) / 1000);
      for (const a of appends) this.countAppended(a.events);
      return results;
    } catch (err) {
      const conflict = err instanceof WrongExpectedRevisionError;
      this.timer('appendToStreams', conflict ? 'conflict' : 'error').observe((performance.now() - start) / 1000);
      if (conflict) span.setAttribute('booking.append.conflict', true);
      else failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.timed('readStream', () => this.inner.readStream(streamId, options));
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.timed('readAll', () => this.inner.readAll(options));
  }

  headPosition(): Promise<GlobalPosition> {
    return this.timed('headPosition', () => this.inner.headPosition());
  }

  /** not timed: a subscription lives as long as its follower */
  subscribeToAll(options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
