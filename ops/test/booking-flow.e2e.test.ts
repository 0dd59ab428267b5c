/**
 * The booking flow end to end over HTTP on the embedded defaults: browse -> book -> pay
 * with the sandbox -> CONFIRMED in the read API; a declined card leaves the booking
 * PENDING until the hold lapses, then EXPIRED with its seat back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../test-support/harness.js';

describe('booking flow over HTTP (embedded defaults)', () => {
  let h: Harness;
  let clock: ManualClock;
  let offeringId: string;
  let slotStart: string;

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    h = await startHarness({ clock });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Evening Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status).toBe(201);
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    expect(detail.status).toBe(200);
    slotStart = detail.body.slots[3].start;
  });

  afterEach(async () => {
    await h.stop();
  });

  it('browse, book a slot, pay with the sandbox card: CONFIRMED in the read API within 1 s', async () => {
    const list = await h.http.get('/api/offerings').query({ q: 'yin' });
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([offeringId]);

    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId, slotStart, attribution: { utmSource: 'tiktok', ttclid: 'abc123' } });
    expect(booked.status).toBe(201);
    expect(booked.body.status).toBe('PENDING');
    const bookingId = booked.body.bookingId as string;

    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(started.status).toBe(201);
    expect(started.body.gateway).toBe('sandbox');
    expect(started.body.amount).toEqual({ amount: 2000, currency: 'EUR' });

    const paidAt = Date.now();
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('SUCCEEDED');

    const confirmed = await eventually(
      async () => {
        const r = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'));
        return r.body.status === 'CONFIRMED' ? r.body : null;
      },
      1000,
      5,
    );
    expect(Date.now() - paidAt).toBeLessThan(1000);
    expect(confirmed.payment).toMatchObject({ status: 'SUCCEEDED', card: { brand: 'visa', last4: '4242' } });
    expect(confirmed.timeline.map((t: { status: string }) => t.status)).toEqual(['PENDING', 'CONFIRMED']);
    expect(confirmed.attribution).toEqual({ utmSource: 'tiktok', ttclid: 'abc123' });

    const detail = await eventually(async () => {
      const r = await h.http.get(`/api/offerings/${offeringId}`);
      const slot = r.body.slots.find((s: { start: string }) => s.start === slotStart);
      return slot.seatsLeft === 2 ? r.body : null;
    });
    expect(detail.slots.find((s: { start: string }) => s.start === slotStart)).toMatchObject({
      seats: 3,
      seatsLeft: 2,
    });
  });

  it('a declined card leaves the booking PENDING; after the hold it is EXPIRED and the seat is back', async () => {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-bob'))
      .send({ offeringId, slotStart, quantity: 3 });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.bookingId as string;

    const soldOut = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.type).toMatch(/sold-out$/);

    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-bob'));
    const declined = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-bob'))
      .send({ cardNumber: '4000 0000 0000 0002' });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: 'FAILED', code: 'card_declined' });

    const pending = await h.http
      .get(`/api/bookings/${bookingId}`)
      .set(h.auth('customer-bob'))
      .set('x-min-position', declined.body.position);
    expect(pending.body.status).toBe('PENDING');
    expect(pending.body.payment).toMatchObject({ status: 'FAILED', failureCode: 'card_declined' });

    clock.advance(16 * 60_000);
    const expired = await eventually(async () => {
      const r = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-bob'));
      return r.body.status === 'EXPIRED' ? r.body : null;
    });
    expect(expired.timeline.map((t: { status: string }) => t.status)).toEqual(['PENDING', 'EXPIRED']);

    await eventually(async () => {
      const r = await h.http.get(`/api/offerings/${offeringId}`);
      return r.body.slots.find((s: { start: string }) => s.start === slotStart)?.seatsLeft === 3;
    });
    const again = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(again.status).toBe(201);
  });
});
