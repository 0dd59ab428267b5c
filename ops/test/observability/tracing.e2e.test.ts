/**
 * One trace across the roles, recorded by an in-memory span exporter: a customer's
 * journey (their client sends one W3C `traceparent` and one correlation id with each
 * request) from booking to payment to the receipt is a single connected trace — HTTP
 * spans, event store appends, the reactors woken by the appended events (through the
 * `traceparent` recorded in event metadata) and their outbound calls (receipt PDF to the
 * object store, mails). Through the relay and the message bus it stays one trace too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-node';
import { ManualClock } from '@booking/shared-kernel';
import { InProcessBus } from '@booking/shared-kernel/adapters';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';

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

const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** every span of `traceId`, and a check that each one's parent is in the trace (or is `rootSpanId`) */
function traceOf(traceId: string, rootSpanId?: string): ReadableSpan[] {
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    if (parent === undefined) continue;
    expect(parent === rootSpanId || ids.has(parent), `parent of ${s.name} is in the trace`).toBe(true);
  }
  return spans;
}

/** names of `span` and its ancestors, nearest first */
function ancestry(span: ReadableSpan, spans: readonly ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (let s: ReadableSpan | undefined = span; s; s = byId.get(s.parentSpanContext?.spanId ?? '')) names.push(s.name);
  return names;
}

describe('one trace from booking to payment to receipt', () => {
  let h: Harness;

  afterEach(async () => {
    await h.stop();
    exporter.reset();
  });

  async function offering(): Promise<{ offeringId: string; slotStart: string }> {
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Traced Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 2,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const detail = await h.http
      .get(`/api/offerings/${created.body.offeringId}`)
      .set('x-min-position', created.body.position);
    return { offeringId: created.body.offeringId, slotStart: detail.body.slots[3].start };
  }

  /** books and pays as Alice's client would, every request in the client's trace; waits for the receipt mail */
  async function journey(headers: Record<string, string>, quiet = true): Promise<string> {
    const { offeringId, slotStart } = await offering();
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .set(headers)
      .send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice')).set(headers);
    expect(started.status).toBe(201);
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .set(headers)
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    await eventually(
      async () =>
        exporter
          .getFinishedSpans()
          .some(
            (s) => s.name === 'mail.send' && s.attributes['booking.correlation_id'] === headers['x-correlation-id'],
          ),
      8000,
    );
    // (bus consumers report the newest event they saw, not a checkpoint: no settle there)
    if (quiet) await settle(h);
    // reactors may still be finishing spans of later effects: wait until none end for a while
    let seen = -1;
    await eventually(
      async () => {
        const now = exporter.getFinishedSpans().length;
        const still = now === seen;
        seen = now;
        return still;
      },
      8000,
      300,
    );
    return bookingId;
  }

  it('HTTP -> append -> reactors -> object store and mail, under the client trace, correlation id on every hop', async () => {
    h = await startHarness({ clock: new ManualClock(new Date()) });
    const traceId = hex(16);
    const rootSpanId = hex(8);
    const correlationId = `journey-${hex(4)}`;
    await journey({ traceparent: `00-${traceId}-${rootSpanId}-01`, 'x-correlation-id': correlationId });

    const spans = traceOf(traceId, rootSpanId);
    const names = spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/bookings',
        'POST /api/bookings/:bookingId/payment',
        'POST /api/payments/:paymentId/sandbox-confirm',
        'eventstore.append',
        'reactor booking-confirmation',
        'reactor receipts',
        'reactor notifications',
        'objects.put',
        'mail.send',
      ]),
    );
    // the three requests hang off the client's span; nothing else starts a new trace
    const http = spans.filter((s) => s.name.startsWith('POST /api/'));
    expect(http).toHaveLength(3);
    for (const s of http) expect(s.parentSpanContext?.spanId).toBe(rootSpanId);
    // the receipt's PDF upload descends from the payment confirmation (which confirms the
    // booking in the same request), and the receipt mail from the receipt through two reactors
    const upload = spans.find((s) => s.name === 'objects.put')!;
    expect(ancestry(upload, spans)).toEqual([
      'objects.put',
      'reactor receipts',
      'eventstore.append', // PaymentSucceeded, BookingConfirmed
      'POST /api/payments/:paymentId/sandbox-confirm',
    ]);
    const mails = spans.filter((s) => s.name === 'mail.send').map((s) => ancestry(s, spans));
    expect(mails).toContainEqual([
      'mail.send',
      'reactor notifications',
      'eventstore.append', // ReceiptIssued
      'reactor receipts',
      'eventstore.append',
      'POST /api/payments/:paymentId/sandbox-confirm',
    ]);
    // the correlation id is on every span that handles the journey's events or requests
    for (const s of spans.filter(
      (x) => x.name.startsWith('reactor ') || x.name.startsWith('POST ') || x.name === 'eventstore.append',
    ))
      expect(s.attributes['booking.correlation_id'], s.name).toBe(correlationId);
    const receipt = spans.find((s) => s.spanContext().spanId === upload.parentSpanContext?.spanId)!;
    expect(receipt.attributes['booking.event.type']).toBe('PaymentSucceeded');
    expect(spans.find((s) => s.name === 'POST /api/bookings')!.attributes['enduser.id']).toBe('customer-alice');
  });

  it('without a client trace, payment -> confirmation -> receipt is still one trace, rooted at the HTTP request', async () => {
    h = await startHarness({ clock: new ManualClock(new Date()) });
    await journey({ 'x-correlation-id': `journey-${hex(4)}` });
    const confirm = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'POST /api/payments/:paymentId/sandbox-confirm')!;
    expect(confirm.parentSpanContext).toBeUndefined();
    const spans = traceOf(confirm.spanContext().traceId);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['reactor receipts', 'reactor notifications', 'objects.put', 'mail.send']),
    );
    // the booking was another request: another trace
    expect(spans.map((s) => s.name)).not.toContain('POST /api/bookings');
  });

  it('through the relay and the message bus: publish spans carry the trace to the consumer groups', async () => {
    const bus = new InProcessBus();
    h = await startHarness({ clock: new ManualClock(new Date()), env: { KAFKA_BROKERS: '127.0.0.1:9' }, bus });
    const traceId = hex(16);
    const rootSpanId = hex(8);
    await journey({ traceparent: `00-${traceId}-${rootSpanId}-01`, 'x-correlation-id': `journey-${hex(4)}` }, false);
    const spans = traceOf(traceId, rootSpanId);
    const upload = spans.find((s) => s.name === 'objects.put')!;
    expect(ancestry(upload, spans)).toEqual([
      'objects.put',
      'reactor receipts',
      'publish payment-events', // PaymentSucceeded, relayed
      'eventstore.append',
      'POST /api/payments/:paymentId/sandbox-confirm',
    ]);
    expect(spans.find((s) => s.name === 'publish booking-events')!.attributes['messaging.system']).toBe('kafka');
  });
});
