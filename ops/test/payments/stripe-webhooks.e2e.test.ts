/**
 * Stripe webhooks over HTTP on the embedded platform. These run ALWAYS: they need no
 * stripe-mock, only STRIPE_WEBHOOK_SECRET in the harness env, and Stripe events built here
 * and signed with `stripe.webhooks.generateTestHeaderString` (via signStripeWebhook).
 * With STRIPE_API_URL set (stripe-mock) the same tests run with the Stripe gateway.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, streams } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';
import {
  chargeRefunded,
  intentObject,
  paymentEnv,
  paymentTypes,
  postWebhook,
  stripeEvent,
} from '../../test-support/stripe-webhooks.js';

describe('Stripe webhooks (always run: signed payloads, no Stripe needed)', () => {
  let h: Harness;
  let clock: ManualClock;
  let offeringId: string;
  let slots: string[];

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    h = await startHarness({ clock, env: paymentEnv(), paymentReconcileIntervalMs: 3_600_000 });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Webhook Yoga',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 20,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status).toBe(201);
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slots = detail.body.slots.map((s: { start: string }) => s.start);
  });

  afterEach(async () => {
    await h.stop();
  });

  let slotIndex = 3;
  async function book(customer = 'customer-alice'): Promise<string> {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth(customer))
      .send({ offeringId, slotStart: slots[slotIndex++ % 20] });
    expect(booked.status).toBe(201);
    return booked.body.bookingId as string;
  }
  async function bookAndStart(): Promise<{ bookingId: string; intentId: string }> {
    const bookingId = await book();
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(started.status).toBe(201);
    return { bookingId, intentId: started.body.intentId as string };
  }
  const bookingView = async (bookingId: string) =>
    (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body;
  const paymentView = async (paymentId: string) =>
    (await h.http.get(`/api/payments/${paymentId}`).set(h.auth('admin-ada'))).body;

  it('a valid payment_intent.succeeded records the success and the booking is CONFIRMED', async () => {
    const { bookingId, intentId } = await bookAndStart();
    const res = await postWebhook(
      h,
      stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded')),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      received: true,
      paymentId: bookingId,
      applied: ['PaymentSucceeded'],
      status: 'SUCCEEDED',
    });
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    const confirmed = await eventually(async () => {
      const b = await bookingView(bookingId);
      return b.status === 'CONFIRMED' ? b : null;
    });
    expect(confirmed.payment).toMatchObject({ status: 'SUCCEEDED', refunded: 0 });
    expect(await paymentView(bookingId)).toMatchObject({ status: 'SUCCEEDED', intentId });
  });

  describe('bad signatures: 400 problem+json and nothing appended', () => {
    const cases: [string, (h: Harness) => Parameters<typeof postWebhook>[2]][] = [
      ['tampered body', () => ({ tamper: (body) => body.replace('"amount":2000', '"amount":1') })],
      [
        'expired timestamp (10 min old, tolerance 5 min)',
        (hh) => ({ timestamp: Math.floor(hh.clock.now().getTime() / 1000) - 600 }),
      ],
      ['wrong secret', () => ({ secret: 'whsec_someone_elses_secret_123456' })],
      ['missing Stripe-Signature', () => ({ signature: null })],
      ['malformed Stripe-Signature', () => ({ signature: 'not-a-signature' })],
    ];
    it.each(cases)('%s', async (_name, opts) => {
      const { bookingId, intentId } = await bookAndStart();
      const res = await postWebhook(
        h,
        stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded')),
        opts(h),
      );
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: 'invalid-signature' });
      expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted']);
      expect((await h.platform.eventStore.readStream(streams.booking(bookingId))).map((e) => e.type)).toEqual([
        'BookingPlaced',
      ]);
    });
  });

  it('the same event delivered 5 times (concurrently) is applied once', async () => {
    const { bookingId, intentId } = await bookAndStart();
    const event = stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded'));
    const responses = await Promise.all(Array.from({ length: 5 }, () => postWebhook(h, event)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.filter((r) => r.body.applied?.length > 0)).toHaveLength(1);
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    await eventually(async () => (await bookingView(bookingId)).status === 'CONFIRMED');
    const bookingEvents = (await h.platform.eventStore.readStream(streams.booking(bookingId))).map((e) => e.type);
    expect(bookingEvents.filter((t) => t === 'BookingConfirmed')).toHaveLength(1);
  });

  it('a failed attempt delivered 5 times is recorded once', async () => {
    const { bookingId, intentId } = await bookAndStart();
    const event = stripeEvent(
      'payment_intent.payment_failed',
      intentObject(intentId, bookingId, 2000, 'requires_payment_method', {
        last_payment_error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
        },
      }),
    );
    for (let i = 0; i < 5; i++) expect((await postWebhook(h, event)).status).toBe(200);
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentFailed']);
    const view = await eventually(async () => {
      const b = await bookingView(bookingId);
      return b.payment?.status === 'FAILED' ? b : null;
    });
    expect(view).toMatchObject({ status: 'PENDING', payment: { failureCode: 'insufficient_funds' } });
  });

  it('out of order: succeeded before the intent is recorded as started -> opened from the booking, then CONFIRMED', async () => {
    const bookingId = await book();
    const res = await postWebhook(
      h,
      stripeEvent('payment_intent.succeeded', intentObject('pi_early_1', bookingId, 2000, 'succeeded')),
    );
    expect(res.status).toBe(200);
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    const started = (await h.platform.eventStore.readStream(streams.payment(bookingId)))[0]!;
    expect(started.data).toMatchObject({
      paymentId: bookingId,
      customerId: 'customer-alice',
      amount: { amount: 2000, currency: 'EUR' },
      gateway: 'stripe',
      intentId: 'pi_early_1',
    });
    await eventually(async () => (await bookingView(bookingId)).status === 'CONFIRMED');
    // the customer's late "start paying" changes nothing
    const late = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(late.status).toBe(409);
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
  });

  it('out of order: charge.refunded before payment_intent.succeeded -> SUCCEEDED and refunded; the late success is a duplicate', async () => {
    const { bookingId, intentId } = await bookAndStart();
    expect((await postWebhook(h, stripeEvent('charge.refunded', chargeRefunded(intentId, 2000, 2000)))).status).toBe(
      200,
    );
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded', 'PaymentRefunded']);
    expect(
      (
        await postWebhook(
          h,
          stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded')),
        )
      ).status,
    ).toBe(200);
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded', 'PaymentRefunded']);
    const payment = await eventually(async () => {
      const p = await paymentView(bookingId);
      return p.refunded === 2000 ? p : null;
    });
    expect(payment).toMatchObject({ status: 'SUCCEEDED', refunded: 2000 });
    expect((await bookingView(bookingId)).payment).toMatchObject({ status: 'SUCCEEDED', refunded: 2000 });
  });

  it('out of order: two partial refunds delivered newest first -> the latest total, once', async () => {
    const { bookingId, intentId } = await bookAndStart();
    await postWebhook(h, stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded')));
    const first = stripeEvent('charge.refunded', chargeRefunded(intentId, 2000, 500));
    const second = stripeEvent('charge.refunded', chargeRefunded(intentId, 2000, 1500));
    for (const e of [second, first, second, first]) expect((await postWebhook(h, e)).status).toBe(200);
    const events = await h.platform.eventStore.readStream(streams.payment(bookingId));
    expect(
      events
        .filter((e) => e.type === 'PaymentRefunded')
        .map((e) => (e.data as { amount: { amount: number } }).amount.amount),
    ).toEqual([1500]);
    await eventually(async () => (await paymentView(bookingId)).refunded === 1500);
  });

  it('out of order: a failure delivered after the success leaves it SUCCEEDED', async () => {
    const { bookingId, intentId } = await bookAndStart();
    await postWebhook(h, stripeEvent('payment_intent.succeeded', intentObject(intentId, bookingId, 2000, 'succeeded')));
    await postWebhook(
      h,
      stripeEvent(
        'payment_intent.payment_failed',
        intentObject(intentId, bookingId, 2000, 'requires_payment_method', {
          last_payment_error: { code: 'card_declined', message: 'declined' },
        }),
      ),
    );
    expect(await paymentTypes(h, bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
  });

  it('payment_intent.canceled and charge.dispute.created show in the read models', async () => {
    const a = await bookAndStart();
    await postWebhook(
      h,
      stripeEvent(
        'payment_intent.canceled',
        intentObject(a.intentId, a.bookingId, 2000, 'canceled', { cancellation_reason: 'abandoned' }),
      ),
    );
    expect(await paymentTypes(h, a.bookingId)).toEqual(['PaymentStarted', 'PaymentCanceled']);
    await eventually(async () => (await paymentView(a.bookingId)).status === 'CANCELED');

    const b = await bookAndStart();
    await postWebhook(
      h,
      stripeEvent('payment_intent.succeeded', intentObject(b.intentId, b.bookingId, 2000, 'succeeded')),
    );
    await eventually(async () => (await paymentView(b.bookingId)).intentId === b.intentId);
    const dispute = {
      id: 'dp_test_1',
      object: 'dispute',
      amount: 2000,
      currency: 'eur',
      reason: 'fraudulent',
      status: 'needs_response',
      charge: `ch_for_${b.intentId}`,
      payment_intent: b.intentId,
      metadata: {},
    };
    for (let i = 0; i < 2; i++)
      expect((await postWebhook(h, stripeEvent('charge.dispute.created', dispute, 'evt_dispute_1'))).status).toBe(200);
    expect(await paymentTypes(h, b.bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded', 'PaymentDisputed']);
    const view = await eventually(async () => {
      const p = await paymentView(b.bookingId);
      return p.disputed ? p : null;
    });
    expect(view.disputes).toEqual([
      expect.objectContaining({
        disputeId: 'dp_test_1',
        reason: 'fraudulent',
        amount: { amount: 2000, currency: 'EUR' },
      }),
    ]);
  });

  it('events for payments that are not ours, and types we do not handle, are acknowledged and ignored', async () => {
    const unknown = await postWebhook(
      h,
      stripeEvent('payment_intent.succeeded', { ...intentObject('pi_x', 'x', 100, 'succeeded'), metadata: {} }),
    );
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ ignored: 'unknown-payment' });
    const other = await postWebhook(h, stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(other.body).toMatchObject({ ignored: 'unhandled-type' });
  });

  it('GET /api/payments/config tells the SPA which gateway to use', async () => {
    const res = await h.http.get('/api/payments/config');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      process.env.STRIPE_API_URL
        ? { gateway: 'stripe', publishableKey: null, sandbox: false, paypal: null }
        : { gateway: 'sandbox', publishableKey: null, sandbox: true, paypal: null },
    );
  });
});
