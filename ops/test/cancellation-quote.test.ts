/**
 * The refund a cancellation would give, quoted before the customer confirms, and then
 * given: the quote and the cancellation-refund reactor apply the same policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../test-support/harness.js';

const ALICE = 'customer-alice';

describe('cancellation quote', () => {
  let h: Harness;
  let slots: string[];
  let offeringId: string;

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Quoted Yin',
        category: 'yoga',
        price: { amount: 2500, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slots = (detail.body.slots as { start: string }[]).map((s) => s.start);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function paidBooking(slotStart: string): Promise<string> {
    const booked = await h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth(ALICE));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth(ALICE))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.body.status).toBe('SUCCEEDED');
    await settle(h);
    return booked.body.bookingId as string;
  }

  const quote = (bookingId: string, who = ALICE) =>
    h.http.get(`/api/bookings/${bookingId}/cancellation-quote`).set(h.auth(who));

  it('quotes a full refund more than 24 h ahead, and the cancellation refunds exactly that', async () => {
    const slotStart = slots.find((s) => Date.parse(s) - Date.now() > 30 * 3_600_000)!;
    const bookingId = await paidBooking(slotStart);
    const q = await quote(bookingId);
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({
      status: 'CONFIRMED',
      cancellable: true,
      paid: { amount: 2500, currency: 'EUR' },
      refund: { amount: 2500, currency: 'EUR' },
      rule: 'full-before-notice-deadline',
      fullRefundUntil: new Date(Date.parse(slotStart) - 24 * 3_600_000).toISOString(),
    });
    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth(ALICE))
      .send({ reason: 'plans changed' });
    expect(cancelled.status).toBe(200);
    const refunded = await eventually(async () => {
      const r = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(ALICE));
      return r.body.payment?.refunded > 0 ? r.body : null;
    }, 10_000);
    expect(refunded.payment.refunded).toBe(q.body.refund.amount);
    const after = await quote(bookingId);
    expect(after.body).toMatchObject({ cancellable: false, paid: { amount: 0 }, refund: { amount: 0 } });
  });

  it('quotes nothing inside the notice period to the customer, and a full refund to the provider', async () => {
    const slotStart = slots.find((s) => Date.parse(s) - Date.now() > 2 * 3_600_000)!;
    const bookingId = await paidBooking(slotStart);
    expect((await quote(bookingId)).body).toMatchObject({
      refund: { amount: 0 },
      rule: 'none-after-notice-deadline',
    });
    expect((await quote(bookingId, 'provider-lumen-yoga')).body).toMatchObject({
      refund: { amount: 2500 },
      rule: 'full-cancelled-by-business',
    });
  });

  it("is nobody else's business: another customer gets 404, anonymous 401", async () => {
    const booked = await h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId, slotStart: slots[50] });
    await settle(h);
    expect((await quote(booked.body.bookingId)).body).toMatchObject({ status: 'PENDING', refund: { amount: 0 } });
    expect((await quote(booked.body.bookingId, 'customer-bob')).status).toBe(404);
    expect((await h.http.get(`/api/bookings/${booked.body.bookingId}/cancellation-quote`)).status).toBe(401);
  });
});
