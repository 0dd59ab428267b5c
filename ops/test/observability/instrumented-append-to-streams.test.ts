/**
 * The instrumented event store offers appendToStreams exactly when the store it wraps does
 * (its presence promises atomicity), and gives it what an append gets: call latency by
 * outcome, appended events by type, and a span whose traceparent every event carries.
 */
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import {
  InstrumentedEventStore,
  newId,
  PlatformMetrics,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
} from '@booking/shared-kernel';
import { SqliteEventStore } from '@booking/shared-kernel/adapters';
import { tempDir } from '../../test-support/harness.js';
import { parsePrometheusText } from '../../test-support/prometheus-text.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const event = (type: string): NewEvent => ({
  type,
  data: {},
  metadata: {
    eventId: newId(),
    correlationId: 'corr-multi',
    causationId: 'cause-multi',
    actor: { id: 'test', role: 'system' },
    schemaVersion: 1,
    recordedAt: new Date().toISOString(),
  },
});

describe('InstrumentedEventStore.appendToStreams', () => {
  const dirs: string[] = [];
  const stores: EventStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const sqlite = () => {
    const dir = tempDir();
    dirs.push(dir);
    const s = new SqliteEventStore({ path: `${dir}/events.sqlite` });
    stores.push(s);
    return s;
  };

  it('is absent when the wrapped store has none', () => {
    const inner = sqlite();
    const { appendToStreams: _atomic, ...withoutAtomic } = {
      append: inner.append.bind(inner),
      appendToStreams: inner.appendToStreams.bind(inner),
      readStream: inner.readStream.bind(inner),
      readAll: inner.readAll.bind(inner),
      headPosition: inner.headPosition.bind(inner),
      subscribeToAll: inner.subscribeToAll.bind(inner),
      close: inner.close.bind(inner),
    };
    expect(new InstrumentedEventStore(withoutAtomic, new PlatformMetrics()).appendToStreams).toBeUndefined();
    expect(new InstrumentedEventStore(inner, new PlatformMetrics()).appendToStreams).toBeTypeOf('function');
  });

  it('times calls by outcome, counts events by type, and stamps each event with its span', async () => {
    const metrics = new PlatformMetrics();
    const inner = sqlite();
    const store = new InstrumentedEventStore(inner, metrics);
    exporter.reset();
    await store.appendToStreams!([
      { streamId: 'slot-a', events: [event('CapacityReserved')], expectedRevision: 'no_stream' },
      { streamId: 'booking-a', events: [event('BookingPlaced')], expectedRevision: 'no_stream' },
    ]);
    await expect(
      store.appendToStreams!([
        { streamId: 'slot-a', events: [event('CapacityReserved')], expectedRevision: 'no_stream' },
        { streamId: 'booking-b', events: [event('BookingPlaced')], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);

    const scrape = parsePrometheusText(await metrics.render());
    const calls = (outcome: string) =>
      scrape.value('booking_event_store_call_duration_seconds_count', { operation: 'appendToStreams', outcome });
    expect([calls('ok'), calls('conflict')]).toEqual([1, 1]);
    expect(scrape.value('booking_events_appended_total', { type: 'CapacityReserved' })).toBe(1);
    expect(scrape.value('booking_events_appended_total', { type: 'BookingPlaced' })).toBe(1);

    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'eventstore.appendToStreams');
    expect(spans).toHaveLength(2);
    expect(spans[0]!.attributes['booking.correlation_id']).toBe('corr-multi');
    const stored = [...(await inner.readStream('slot-a')), ...(await inner.readStream('booking-a'))];
    const spanId = spans[0]!.spanContext().spanId;
    for (const e of stored) expect(e.metadata.traceparent).toMatch(new RegExp(`^00-[0-9a-f]{32}-${spanId}-0[01]$`));
  });
});
