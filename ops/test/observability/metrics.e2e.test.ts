/**
 * GET /metrics after a booking flow on the embedded defaults: the request histogram by
 * route pattern, commands accepted and refused (with their reason), appended events,
 * reactor outcomes, projection lag and positions, and the process metrics all moved by
 * exactly what the flow did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { parsePrometheusText, type Scrape } from '../../test-support/prometheus-text.js';

const HTTP = 'booking_http_request_duration_seconds_count';

describe('GET /metrics after a booking flow', () => {
  let h: Harness;
  let offeringId: string;
  let slotStart: string;

  async function scrape(): Promise<Scrape> {
    const res = await h.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(res.text);
  }

  beforeEach(async () => {
    h = await startHarness({ clock: new ManualClock(new Date()) });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Metered Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 1,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status).toBe(201);
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slotStart = detail.body.slots[3].start;
    await settle(h);
  });
  afterEach(async () => h.stop());

  it('counts the requests, commands, events and reactor work of book -> sold out -> pay -> confirmed', async () => {
    const before = await scrape();

    const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.bookingId as string;
    const soldOut = await h.http.post('/api/bookings').set(h.auth('customer-bob')).send({ offeringId, slotStart });
    expect(soldOut.status).toBe(409);
    const invalid = await h.http.post('/api/bookings').set(h.auth('customer-bob')).send({ offeringId: 'nope' });
    expect(invalid.status).toBe(400);
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(started.status).toBe(201);
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    await eventually(
      async () =>
        (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body.status === 'CONFIRMED',
      5000,
    );
    await settle(h);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);

    // requests by method, route PATTERN (never the raw URL) and status
    expect(delta(HTTP, { method: 'POST', route: '/api/bookings', status: '201' })).toBe(1);
    expect(delta(HTTP, { method: 'POST', route: '/api/bookings', status: '409' })).toBe(1);
    expect(delta(HTTP, { method: 'POST', route: '/api/bookings', status: '400' })).toBe(1);
    expect(delta(HTTP, { method: 'POST', route: '/api/bookings/:bookingId/payment', status: '201' })).toBe(1);
    expect(delta(HTTP, { method: 'POST', route: '/api/payments/:paymentId/sandbox-confirm', status: '200' })).toBe(1);
    expect(after.find(HTTP).some((s) => s.labels.route!.includes(bookingId))).toBe(false);
    // histogram buckets are cumulative: +Inf holds every request of the series
    expect(
      after.value('booking_http_request_duration_seconds_bucket', {
        method: 'POST',
        route: '/api/bookings',
        status: '201',
        le: '+Inf',
      }),
    ).toBe(after.value(HTTP, { method: 'POST', route: '/api/bookings', status: '201' }));

    // commands by type: accepted, and refused with the problem's code
    const accepted = (command: string) => delta('booking_commands_accepted_total', { command });
    expect(accepted('PlaceBooking')).toBe(1);
    expect(accepted('ReserveCapacity')).toBe(1);
    expect(accepted('StartPayment')).toBe(1);
    expect(accepted('RecordPaymentSucceeded')).toBe(1);
    expect(accepted('ConfirmBooking')).toBe(1);
    expect(accepted('IssueReceipt')).toBe(1);
    expect(delta('booking_commands_rejected_total', { command: 'ReserveCapacity', reason: 'sold-out' })).toBe(1);
    // the malformed request never reached a decider
    expect(delta('booking_commands_rejected_total')).toBe(1);
    expect(delta('booking_command_conflicts_total')).toBe(0);

    // events by type; together exactly what the log grew by
    const appended = (type: string) => delta('booking_events_appended_total', { type });
    expect(appended('BookingPlaced')).toBe(1);
    expect(appended('CapacityReserved')).toBe(1);
    expect(appended('PaymentStarted')).toBe(1);
    expect(appended('PaymentSucceeded')).toBe(1);
    expect(appended('BookingConfirmed')).toBe(1);
    expect(appended('ReceiptIssued')).toBe(1);
    const head = Number((await h.platform.eventStore.headPosition()).commit);
    expect(after.value('booking_event_store_head_position')).toBe(head);
    expect(delta('booking_events_appended_total')).toBe(head - before.value('booking_event_store_head_position'));
    const appends = (outcome: string) =>
      delta('booking_event_store_call_duration_seconds_count', { operation: 'append', outcome });
    expect(appends('ok')).toBeGreaterThanOrEqual(6);
    expect(appends('error') + appends('conflict')).toBe(0);
    expect(
      delta('booking_document_store_call_duration_seconds_count', { operation: 'upsertAt', collection: 'bookings' }),
    ).toBeGreaterThan(0);

    // reactors: the confirmation and the receipt ran once each, nothing failed or was parked
    expect(delta('booking_reactor_events_handled_total', { reactor: 'booking-confirmation' })).toBe(1);
    expect(delta('booking_reactor_events_handled_total', { reactor: 'receipts' })).toBe(1);
    expect(delta('booking_reactor_failures_total')).toBe(0);
    expect(delta('booking_reactor_dead_letters_total')).toBe(0);
    expect(after.value('booking_reactor_parked_events')).toBe(0);
    for (const s of after.find('booking_reactor_backlog_events')) expect(s.value, s.labels.reactor).toBe(0);

    // every projection caught up with the head
    const projections = after.find('booking_projection_position');
    expect(projections.map((s) => s.labels.projection)).toEqual(expect.arrayContaining(['bookings', 'offerings']));
    for (const s of projections) expect(s.value, s.labels.projection).toBe(head);
    for (const s of after.find('booking_projection_lag_events')) expect(s.value, s.labels.projection).toBe(0);

    // no relay in this process: no relay series; process metrics are there
    expect(after.find('booking_relay_position')).toEqual([]);
    expect(after.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });
});
