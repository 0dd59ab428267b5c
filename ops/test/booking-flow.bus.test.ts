/**
 * The bus path without servers: with KAFKA_BROKERS set the platform runs the relay and
 * the bus reactors; here the in-process bus stands in for Kafka, so `npm test` covers the
 * wiring (relay -> topics -> consumer groups -> effects) on every run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '@booking/shared-kernel/adapters';
import { BusReactorRunner } from '@booking/projections';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../test-support/harness.js';

describe('booking flow through the relay and bus reactors (in-process bus)', () => {
  let h: Harness;
  let bus: InProcessBus;

  beforeEach(async () => {
    bus = new InProcessBus();
    h = await startHarness({ env: { KAFKA_BROKERS: '127.0.0.1:9' }, bus });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('book, pay: CONFIRMED; cancel: the seat comes back; each effect once', async () => {
    expect(h.config.roles).toEqual(['command', 'read-api', 'projector', 'reactor', 'relay']);
    expect(h.platform.reactors).toBeInstanceOf(BusReactorRunner);
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Bus Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 2,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const offeringId = created.body.offeringId as string;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    const slotStart = detail.body.slots[30].start as string;

    const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    await eventually(
      async () =>
        (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body.status === 'CONFIRMED',
      5000,
    );

    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('customer-alice'))
      .send({ reason: 'changed plans' });
    expect(cancelled.status).toBe(200);
    await eventually(async () => {
      const r = await h.http.get(`/api/offerings/${offeringId}`);
      return r.body.slots.find((s: { start: string }) => s.start === slotStart)?.seatsLeft === 2;
    }, 5000);

    const events = await h.platform.eventStore.readAll();
    const mine = (type: string) =>
      events.filter((e) => e.type === type && (e.data as { bookingId?: string }).bookingId === bookingId).length;
    expect([mine('CapacityConfirmed'), mine('BookingConfirmed'), mine('CapacityReleased')]).toEqual([1, 1, 1]);

    const status = await h.http.get('/api/status/reactors');
    expect(status.body.reactors).toMatchObject({ source: 'bus', deadLetters: 0 });
    const ready = await h.http.get('/ready');
    expect(ready.body.checks.relay).toMatchObject({ running: true, lastError: null });
    expect(ready.body.checks.relay.published).toBeGreaterThan(5);
  });
});
