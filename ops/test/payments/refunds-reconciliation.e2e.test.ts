/**
 * Refunds (admin, cancellation policy) and reconciliation over HTTP on the embedded
 * platform: the sandbox by default, the Stripe gateway against stripe-mock when
 * STRIPE_API_URL is set. Payments are confirmed with signed webhooks in both modes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, SandboxGateway, SANDBOX_CARDS, streams } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';
import {
  intentObject,
  paymentEnv,
  paymentTypes,
  postWebhook,
  stripeEvent,
} from '../../test-support/stripe-webhooks.js';

const stripeMode = Boolean(process.env.STRIPE_API_URL);

describe(`refunds and reconciliation (${stripeMode ? 'Stripe via stripe-mock' : 'sandbox'})`, () => {
  let h: Harness;
  let clock: ManualClock;
  let offeringId: string;

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    h = await startHarness({
      clock,
      env: paymentEnv({ PAYMENT_RECONCILE_AFTER_MINUTES: '5' }),
      paymentReconcileIntervalMs: 3_600_000,
    });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Refund Yoga',
        category: 'yoga',
        price: { amount: 3000, currency: 'EUR' },
        seatsPerSlot: 10,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    offeringId = created.body.offeringId;
    await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
  });

  afterEach(async () => {
    await h.stop();
  });

  async function slotAfter(hours: number): Promise<string> {
    const from = new Date(clock.now().getTime() + hours * 3_600_000).toISOString();
    const detail = await h.http.get(`/api/offerings/${offeringId}`).query({ from });
    return detail.body.slots[0].start as string;
  }

  async function paidBooking(hoursAhead: number): Promise<{ bookingId: string; intentId: string }> {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId, slotStart: await slotAfter(hoursAhead) });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(started.body.gateway).toBe(stripeMode ? 'stripe' : 'sandbox');
    const intentId = started.body.intentId as string;
    expect(
      (
        await postWebhook(
          h,
          stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 3000, 'succeeded')),
        )
      ).status,
    ).toBe(200);
    await eventually(
      async () =>
        (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body.status === 'CONFIRMED',
    );
    return { bookingId, intentId };
  }

  const refundsOf = async (bookingId: string) =>
    (await h.platform.eventStore.readStream(streams.payment(bookingId)))
      .filter((e) => e.type === 'PaymentRefunded')
      .map((e) => e.data as { amount: { amount: number }; reason: string; gatewayReference: string });

  it('starting twice returns the recorded intent', async () => {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId, slotStart: await slotAfter(5) });
    const first = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    const second = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    expect(first.status).toBe(201);
    expect(second.body.intentId).toBe(first.body.intentId);
    expect(second.body.clientSecret).toEqual(expect.any(String));
    expect(await paymentTypes(h, booked.body.bookingId)).toEqual(['PaymentStarted']);
  });

  it('a customer cancelling 48 h ahead gets a full refund through the gateway, once', async () => {
    const { bookingId } = await paidBooking(48);
    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('customer-alice'))
      .send({ reason: 'plans changed' });
    expect(cancelled.status).toBe(200);
    const view = await eventually(async () => {
      const b = (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body;
      return b.payment?.refunded === 3000 ? b : null;
    });
    expect(view).toMatchObject({ status: 'CANCELLED', payment: { status: 'SUCCEEDED', refunded: 3000 } });
    const refunds = await refundsOf(bookingId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      amount: { amount: 3000 },
      reason: 'cancellation policy: full-before-notice-deadline',
    });
    expect(refunds[0]!.gatewayReference).toMatch(/^re_/);
    const payment = (await h.http.get(`/api/payments/${bookingId}`).set(h.auth('admin-ada'))).body;
    expect(payment).toMatchObject({
      refunded: 3000,
      refunds: [expect.objectContaining({ amount: { amount: 3000, currency: 'EUR' } })],
    });
  });

  it('a customer may not cancel inside 24 h (so no refund); a provider cancellation then refunds in full', async () => {
    const { bookingId } = await paidBooking(3);
    const late = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('customer-alice'))
      .send({ reason: 'late' });
    expect(late.status).toBe(409);
    const byProvider = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('provider-lumen-yoga'))
      .send({ reason: 'teacher ill' });
    expect(byProvider.status).toBe(200);
    await eventually(async () => (await refundsOf(bookingId)).length === 1);
    expect((await refundsOf(bookingId))[0]).toMatchObject({
      amount: { amount: 3000 },
      reason: 'cancellation policy: full-cancelled-by-business',
    });
  });

  it('an admin refund goes through the gateway; its charge.refunded webhook then adds nothing', async () => {
    const { bookingId, intentId } = await paidBooking(30);
    const refund = await h.http
      .post(`/api/payments/${bookingId}/refund`)
      .set(h.auth('admin-ada'))
      .send({ amount: { amount: 1000, currency: 'EUR' }, reason: 'goodwill' });
    expect(refund.status).toBe(200);
    expect(refund.body.refunded).toBe(1000);
    const charge = {
      id: `ch_for_${intentId}`,
      object: 'charge',
      amount: 3000,
      amount_refunded: 1000,
      currency: 'eur',
      payment_intent: intentId,
      metadata: {},
    };
    expect((await postWebhook(h, stripeEvent('charge.refunded', charge))).status).toBe(200);
    expect((await refundsOf(bookingId)).map((r) => r.amount.amount)).toEqual([1000]);
    await eventually(
      async () => (await h.http.get(`/api/payments/${bookingId}`).set(h.auth('admin-ada'))).body.refunded === 1000,
    );
  });

  it('reconciliation records the true outcome of a payment still STARTED after PAYMENT_RECONCILE_AFTER_MINUTES', async () => {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId, slotStart: await slotAfter(5) });
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    await eventually(
      async () => (await h.http.get(`/api/payments/${bookingId}`).set(h.auth('admin-ada'))).body.status === 'STARTED',
    );
    if (!stripeMode) {
      // the customer paid, but the outcome never reached us (a lost webhook)
      await (h.platform.gateway as SandboxGateway).confirmCard(
        started.body.intentId,
        { amount: 3000, currency: 'EUR' },
        SANDBOX_CARDS.succeeds,
      );
    }
    const reconciler = h.platform.paymentReconciler!;
    expect(await reconciler.reconcileDue()).toBe(0); // not due yet
    clock.advance(6 * 60_000);
    const recorded = await reconciler.reconcileDue();
    if (stripeMode) {
      // stripe-mock is stateless: the intent retrieves as requires_payment_method, so it stays STARTED
      expect(recorded).toBe(0);
      expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted']);
    } else {
      expect(recorded).toBe(1);
      expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
      await eventually(
        async () =>
          (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body.status === 'CONFIRMED',
      );
      expect(await reconciler.reconcileDue()).toBe(0);
    }
    expect(reconciler.status()).toMatchObject({ checked: 1, lastError: null });
  });
});
