/**
 * PayPal over HTTP on the embedded platform, against the local PayPal API stand-in (no
 * network): starting a PayPal payment creates an order, the buyer approves it, the SPA's
 * capture call or PayPal's webhooks record the outcome exactly once, bad signatures change
 * nothing, refunds go through PayPal.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, streams } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { expectFieldError, expectNothingAppended, expectProblem } from '../../test-support/problems.js';
import {
  captureResource,
  payPalEnv,
  payPalEvent,
  postPayPalWebhook,
  refundResource,
} from '../../test-support/paypal-webhooks.js';
import { startPayPalApiServer, type PayPalApiServer } from '../../../shared-kernel/test/support/paypal-api-server.js';

let paypal: PayPalApiServer;
beforeAll(async () => {
  paypal = await startPayPalApiServer();
});
afterAll(async () => {
  await paypal.close();
});

describe('PayPal payments (local PayPal API)', () => {
  let h: Harness;
  let clock: ManualClock;
  let offeringId: string;
  let slots: string[];
  let slotIndex = 2;

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    h = await startHarness({
      clock,
      env: payPalEnv(paypal, { PAYMENT_RECONCILE_AFTER_MINUTES: '5' }),
      paymentReconcileIntervalMs: 3_600_000,
    });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'PayPal Yoga',
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
    expect(paypal.problems, 'requests PayPal would refuse').toEqual([]);
  });

  async function book(customer = 'customer-alice', slotStart = slots[slotIndex++ % 20]): Promise<string> {
    const booked = await h.http.post('/api/bookings').set(h.auth(customer)).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    return booked.body.bookingId as string;
  }
  async function startPayPal(bookingId: string, customer = 'customer-alice') {
    const res = await h.http
      .post(`/api/bookings/${bookingId}/payment`)
      .set(h.auth(customer))
      .send({ method: 'paypal' });
    expect(res.status, res.text).toBe(201);
    return res.body as { intentId: string; clientSecret: string; gateway: string; method: string };
  }
  const capture = (paymentId: string, customer = 'customer-alice') =>
    h.http.post(`/api/payments/${paymentId}/paypal-capture`).set(h.auth(customer));
  const paymentTypes = async (paymentId: string) =>
    (await h.platform.eventStore.readStream(streams.payment(paymentId))).map((e) => e.type);
  const bookingStatus = async (bookingId: string) =>
    (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'))).body.status as string;
  /** runs `fn` once the platform is quiet, failing if it appended anything */
  const unchanged = async <T>(fn: () => Promise<T>): Promise<T> => {
    await settle(h);
    return expectNothingAppended(h, fn);
  };
  const orderOf = (orderId: string) => paypal.orders.get(orderId) as { purchase_units: Record<string, unknown>[] };

  it('GET /api/payments/config offers PayPal with the client id for the SPA', async () => {
    const res = await h.http.get('/api/payments/config').expect(200);
    expect(res.body).toMatchObject({ gateway: 'sandbox', paypal: { clientId: paypal.clientId } });
    expect(JSON.stringify(res.body)).not.toContain(paypal.clientSecret);
  });

  it('starting with method paypal creates an order for the booking; starting again returns the same order', async () => {
    const bookingId = await book();
    const started = await startPayPal(bookingId);
    expect(started).toMatchObject({ gateway: 'paypal', method: 'paypal' });
    expect(started.clientSecret).toBe(`https://www.sandbox.paypal.com/checkoutnow?token=${started.intentId}`);
    expect(orderOf(started.intentId).purchase_units[0]).toMatchObject({
      reference_id: bookingId,
      custom_id: bookingId,
      amount: { currency_code: 'EUR', value: '20.00' },
    });
    const orders = paypal.orders.size;
    const again = await startPayPal(bookingId);
    expect(again.intentId).toBe(started.intentId);
    expect(paypal.orders.size).toBe(orders);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted']);
    const view = await eventually(async () => {
      const res = await h.http.get(`/api/payments/${bookingId}`).set(h.auth('admin-ada'));
      return res.status === 200 ? res.body : null;
    });
    expect(view).toMatchObject({ gateway: 'paypal', intentId: started.intentId, status: 'STARTED' });
  });

  it('switching from the card form to PayPal replaces the open attempt', async () => {
    const bookingId = await book();
    const card = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(card.status).toBe(201);
    expect(card.body).toMatchObject({ gateway: 'sandbox', method: 'card' });
    const started = await startPayPal(bookingId);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentStarted']);
    paypal.approve(started.intentId);
    expect((await capture(bookingId)).body).toMatchObject({ status: 'SUCCEEDED' });
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
  });

  it('capturing before the buyer approved is refused and changes nothing', async () => {
    const bookingId = await book();
    await startPayPal(bookingId);
    const res = await unchanged(() => capture(bookingId));
    expectProblem(res, 409, 'paypal-not-approved');
  });

  it("another customer cannot capture Alice's payment", async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    const res = await unchanged(() => capture(bookingId, 'customer-bob'));
    expectProblem(res, 404, 'not-found');
    expect((orderOf(intentId) as unknown as { status: string }).status).toBe('APPROVED');
  });

  it('approve then capture: SUCCEEDED, the booking is CONFIRMED, and the COMPLETED webhook (5 deliveries) adds nothing', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    const captured = await capture(bookingId);
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ paymentId: bookingId, status: 'SUCCEEDED' });
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, captured.body.captureId, intentId, '20.00', 'COMPLETED', bookingId),
    );
    const responses = await Promise.all(Array.from({ length: 5 }, () => postPayPalWebhook(h, paypal, event)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.every((r) => r.body.applied?.length === 0)).toBe(true);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    // a second click on the button answers the same, and appends nothing
    const again = await unchanged(() => capture(bookingId));
    expect(again.body).toMatchObject({ status: 'SUCCEEDED', captureId: captured.body.captureId });
  });

  it('when only the webhook reports the capture: 5 concurrent deliveries are applied once and the booking is CONFIRMED', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    // captured at PayPal, but the browser never reported back; the event carries no custom_id
    const outcome = await h.platform.paypal!.capture(intentId, 'captured-elsewhere');
    expect(outcome.status).toBe('completed');
    const captureId = outcome.status === 'completed' ? outcome.captureId : '';
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, captureId, intentId, '20.00', 'COMPLETED', null),
    );
    const responses = await Promise.all(Array.from({ length: 5 }, () => postPayPalWebhook(h, paypal, event)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.filter((r) => r.body.applied?.length > 0)).toHaveLength(1);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
    const bookingEvents = (await h.platform.eventStore.readStream(streams.booking(bookingId))).map((e) => e.type);
    expect(bookingEvents.filter((t) => t === 'BookingConfirmed')).toHaveLength(1);
  });

  describe('bad signatures: 400 problem+json and nothing appended', () => {
    const cases: [string, Parameters<typeof postPayPalWebhook>[3]][] = [
      ['tampered body', { tamper: (body) => body.replace('"20.00"', '"2.00"') }],
      ['signed for another webhook', { webhookId: 'SOMEONEELSES0001' }],
      ['missing PAYPAL-TRANSMISSION-SIG', { without: 'paypal-transmission-sig' }],
      ['missing PAYPAL-CERT-URL', { without: 'paypal-cert-url' }],
      ['a body that is not JSON', { tamper: () => 'not json' }],
    ];
    it.each(cases)('%s', async (_name, options) => {
      const bookingId = await book();
      const { intentId } = await startPayPal(bookingId);
      const event = payPalEvent(
        'PAYMENT.CAPTURE.COMPLETED',
        'capture',
        captureResource(paypal, 'CAPTUREX00000001', intentId, '20.00', 'COMPLETED', bookingId),
      );
      const res = await unchanged(() => postPayPalWebhook(h, paypal, event, options));
      expectProblem(res, 400, 'invalid-signature');
      expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted']);
    });
  });

  it('PayPal unreachable while verifying: 500 (PayPal retries), nothing appended', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    for (let i = 0; i < 3; i++) paypal.failures.push({ path: /verify-webhook-signature/, status: 503 });
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, 'CAPTUREX00000002', intentId, '20.00', 'COMPLETED', bookingId),
    );
    const res = await unchanged(() => postPayPalWebhook(h, paypal, event));
    expect(res.status).toBe(500);
  });

  it('a declined instrument records FAILED; after the buyer picks another source the capture succeeds', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    paypal.captureScript.push('INSTRUMENT_DECLINED');
    const declined = await capture(bookingId);
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: 'FAILED', code: 'instrument_declined' });
    const retried = await capture(bookingId);
    expect(retried.body).toMatchObject({ status: 'SUCCEEDED' });
    const captures = paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${intentId}/capture`);
    const ids = captures.map((r) => r.headers['paypal-request-id']);
    expect(new Set(ids).size, 'each attempt has its own PayPal-Request-Id').toBe(2);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentFailed', 'PaymentSucceeded']);
  });

  it('a pending capture is 202 and nothing is recorded; PAYMENT.CAPTURE.DENIED then records FAILED once', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    paypal.captureScript.push('PENDING');
    const pending = await unchanged(() => capture(bookingId));
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: 'PENDING', reason: 'PENDING_REVIEW' });
    const event = payPalEvent(
      'PAYMENT.CAPTURE.DENIED',
      'capture',
      captureResource(paypal, pending.body.captureId, intentId, '20.00', 'DECLINED', bookingId),
    );
    const first = await postPayPalWebhook(h, paypal, event);
    expect(first.body).toMatchObject({ applied: ['PaymentFailed'], status: 'FAILED' });
    expect((await postPayPalWebhook(h, paypal, event)).body.applied).toEqual([]);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentFailed']);
    expect(await bookingStatus(bookingId)).toBe('PENDING');
  });

  it('a pending capture completed later by webhook confirms the booking', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    paypal.captureScript.push('PENDING');
    const pending = await capture(bookingId);
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, pending.body.captureId, intentId, '20.00', 'COMPLETED', bookingId),
    );
    expect((await postPayPalWebhook(h, paypal, event)).body).toMatchObject({ applied: ['PaymentSucceeded'] });
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
  });

  it('a captured amount that is not the booking total is refused by the payment rules and acknowledged', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, 'CAPTUREX00000003', intentId, '2.00', 'COMPLETED', bookingId),
    );
    const res = await unchanged(() => postPayPalWebhook(h, paypal, event));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ignored: 'amount-mismatch' });
  });

  it('an admin refund goes through PayPal; the REFUNDED webhook for it adds nothing; a dashboard refund is recorded', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    const captured = await capture(bookingId);
    const captureId = captured.body.captureId as string;
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');

    const refunded = await h.http
      .post(`/api/payments/${bookingId}/refund`)
      .set(h.auth('admin-ada'))
      .send({ amount: { amount: 500, currency: 'EUR' }, reason: 'goodwill' });
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body).toMatchObject({ refunded: 500 });
    const sent = paypal.requests.filter((r) => r.path === `/v2/payments/captures/${captureId}/refund`);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      amount: { currency_code: 'EUR', value: '5.00' },
      custom_id: bookingId,
    });
    expect(sent[0]!.headers['paypal-request-id']).toMatch(new RegExp(`^refund-${bookingId}-\\d+$`));

    // PayPal reports the refund we made: already recorded
    const ours = payPalEvent(
      'PAYMENT.CAPTURE.REFUNDED',
      'refund',
      refundResource(paypal, captureId, '5.00', '5.00', bookingId),
    );
    expect((await postPayPalWebhook(h, paypal, ours)).body).toMatchObject({ applied: [] });

    // a refund made in PayPal's dashboard: no custom_id, so the capture tells which payment
    const dashboard = payPalEvent(
      'PAYMENT.CAPTURE.REFUNDED',
      'refund',
      refundResource(paypal, captureId, '3.00', '8.00', null),
    );
    const res = await postPayPalWebhook(h, paypal, dashboard);
    expect(res.body).toMatchObject({ paymentId: bookingId, applied: ['PaymentRefunded'] });
    expect((await postPayPalWebhook(h, paypal, dashboard)).body).toMatchObject({ applied: [] });
    const refunds = (await h.platform.eventStore.readStream(streams.payment(bookingId)))
      .filter((e) => e.type === 'PaymentRefunded')
      .map((e) => (e.data as { amount: { amount: number } }).amount.amount);
    expect(refunds).toEqual([500, 300]);
  });

  it('a cancellation refunds through PayPal under the cancellation policy', async () => {
    const bookingId = await book('customer-alice', slots[100]); // days ahead: a full refund
    const { intentId } = await startPayPal(bookingId);
    paypal.approve(intentId);
    const captured = await capture(bookingId);
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('customer-alice'))
      .send({ reason: 'plans changed' });
    expect(cancelled.status, cancelled.text).toBe(200);
    await eventually(async () => (await paymentTypes(bookingId)).includes('PaymentRefunded'));
    const sent = paypal.requests.filter((r) => r.path === `/v2/payments/captures/${captured.body.captureId}/refund`);
    expect(sent.map((r) => r.headers['paypal-request-id'])).toEqual([`refund-${bookingId}-cancellation`]);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ amount: { currency_code: 'EUR', value: '20.00' } });
  });

  it('reconciliation records a capture PayPal never reported, after PAYMENT_RECONCILE_AFTER_MINUTES', async () => {
    const bookingId = await book();
    const { intentId } = await startPayPal(bookingId);
    await eventually(
      async () => (await h.http.get(`/api/payments/${bookingId}`).set(h.auth('admin-ada'))).body.status === 'STARTED',
    );
    paypal.approve(intentId);
    await h.platform.paypal!.capture(intentId, 'lost-capture'); // neither the browser nor a webhook tells us
    const reconciler = h.platform.paymentReconciler!;
    expect(await reconciler.reconcileDue()).toBe(0); // not due yet
    clock.advance(6 * 60_000);
    expect(await reconciler.reconcileDue()).toBe(1);
    expect(await paymentTypes(bookingId)).toEqual(['PaymentStarted', 'PaymentSucceeded']);
    await eventually(async () => (await bookingStatus(bookingId)) === 'CONFIRMED');
  });

  it('an event about an order that is not ours is acknowledged and ignored', async () => {
    const event = payPalEvent(
      'PAYMENT.CAPTURE.COMPLETED',
      'capture',
      captureResource(paypal, 'CAPTUREX00000004', 'NOTOURORDER000001', '20.00', 'COMPLETED', null),
    );
    const res = await unchanged(() => postPayPalWebhook(h, paypal, event));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ignored: 'unknown-payment' });
  });
});

describe('without PayPal configured', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('config offers no PayPal; method paypal is a 400 naming the field; capture and webhook are 404', async () => {
    expect((await h.http.get('/api/payments/config')).body).toMatchObject({ paypal: null });
    const res = await expectNothingAppended(h, () =>
      h.http
        .post('/api/bookings/00000000-0000-7000-8000-000000000001/payment')
        .set(h.auth('customer-alice'))
        .send({ method: 'paypal' }),
    );
    expectFieldError(res, 'method');
    const other = await h.http
      .post('/api/bookings/00000000-0000-7000-8000-000000000001/payment')
      .set(h.auth('customer-alice'))
      .send({ method: 'bitcoin' });
    expectProblem(other, 400, 'validation');
    expect(
      (
        await h.http
          .post('/api/payments/00000000-0000-7000-8000-000000000001/paypal-capture')
          .set(h.auth('customer-alice'))
      ).status,
    ).toBe(404);
    expect((await h.http.post('/api/payments/webhooks/paypal').send({})).status).toBe(404);
  });
});
