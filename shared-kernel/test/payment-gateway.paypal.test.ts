import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  PayPalApiError,
  PayPalGateway,
  PayPalOrderNotApprovedError,
  WebhookSignatureError,
  payPalWebhookHeaders,
  verifyPayPalWebhook,
} from '../src/adapters/index.js';
import type { PayPalClientOptions } from '../src/adapters/payment/paypal-client.js';
import { paymentGatewayContract } from './payment-gateway.contract.js';
import { startPayPalApiServer, type PayPalApiServer } from './support/paypal-api-server.js';

const PAYPAL_ID = /^[A-Z0-9]{17}$/;

let server: PayPalApiServer;
beforeAll(async () => {
  server = await startPayPalApiServer();
});
afterAll(async () => {
  await server.close();
});

const gatewayFor = (s: PayPalApiServer, extra: Partial<PayPalClientOptions> = {}) =>
  new PayPalGateway({
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    apiUrl: s.url,
    sleep: async () => {},
    ...extra,
  });

const newRequest = (amount = 2500, currency = 'EUR') => {
  const paymentId = randomUUID();
  return { paymentId, bookingId: paymentId, amount: { amount, currency }, idempotencyKey: `payment-${paymentId}` };
};

/** The requests the server received since `from`, with their parsed bodies. */
const sentSince = (from: number) =>
  server.requests.slice(from).map((r) => ({
    ...r,
    json: String(r.headers['content-type']).startsWith('application/json')
      ? (JSON.parse(r.body || '{}') as Record<string, unknown>)
      : null,
  }));

paymentGatewayContract('paypal', () => gatewayFor(server), {
  stateful: true,
  ids: { intent: PAYPAL_ID, charge: PAYPAL_ID, refund: PAYPAL_ID },
  async pay(gateway, intentId) {
    server.approve(intentId);
    const outcome = await (gateway as PayPalGateway).capture(intentId, `capture-${intentId}`);
    if (outcome.status !== 'completed') throw new Error(`capture ${outcome.status}`);
  },
});

describe('PayPalGateway against the local PayPal API', () => {
  it("creates the order PayPal's reference describes: token by client credentials, then intent CAPTURE with our ids and the amount", async () => {
    const from = server.requests.length;
    const gateway = gatewayFor(server);
    const r = newRequest(2500, 'EUR');
    const intent = await gateway.createIntent(r);
    const [token, create] = sentSince(from);
    expect(token).toMatchObject({ method: 'POST', path: '/v1/oauth2/token', body: 'grant_type=client_credentials' });
    expect(token!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')}`,
    );
    expect(token!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(create).toMatchObject({ method: 'POST', path: '/v2/checkout/orders' });
    expect(create!.headers.authorization).toMatch(/^Bearer A21AA/);
    expect(create!.headers['content-type']).toBe('application/json');
    expect(create!.headers['paypal-request-id']).toBe(r.idempotencyKey);
    expect(create!.json).toEqual({
      intent: 'CAPTURE',
      purchase_units: [
        {
          reference_id: r.bookingId,
          custom_id: r.paymentId,
          description: `Booking ${r.bookingId}`,
          amount: { currency_code: 'EUR', value: '25.00' },
        },
      ],
    });
    expect(intent.intentId).toMatch(PAYPAL_ID);
    expect(intent.clientSecret).toBe(`https://www.sandbox.paypal.com/checkoutnow?token=${intent.intentId}`);
    expect(server.problems).toEqual([]);
  });

  it.each([
    [1999, 'JPY', '1999'],
    [150000, 'HUF', '1500'],
    [1234, 'BHD', '1.234'],
    [5, 'USD', '0.05'],
  ])('%i minor units of %s are sent as "%s"', async (amount, currency, value) => {
    const from = server.requests.length;
    const gateway = gatewayFor(server);
    const { intentId } = await gateway.createIntent(newRequest(amount, currency));
    const create = sentSince(from).find((r) => r.path === '/v2/checkout/orders')!;
    expect((create.json!.purchase_units as { amount: unknown }[])[0]!.amount).toEqual({
      currency_code: currency,
      value,
    });
    // and read back as the same minor units
    expect((await gateway.retrieve(intentId)).amount).toEqual({ amount, currency });
    expect(server.problems).toEqual([]);
  });

  it('refuses an amount PayPal cannot express (HUF in fillér) before calling PayPal', async () => {
    const from = server.requests.length;
    await expect(gatewayFor(server).createIntent(newRequest(150050, 'HUF'))).rejects.toThrow(/whole units/);
    expect(sentSince(from).filter((r) => r.path === '/v2/checkout/orders')).toEqual([]);
  });

  it('a replayed PayPal-Request-Id returns the same order, and PayPal holds one', async () => {
    const gateway = gatewayFor(server);
    const r = newRequest();
    const ordersBefore = server.orders.size;
    const first = await gateway.createIntent(r);
    const again = await gatewayFor(server).createIntent(r);
    expect(again.intentId).toBe(first.intentId);
    expect(server.orders.size).toBe(ordersBefore + 1);
  });

  it('a 503 is retried with the same PayPal-Request-Id and creates one order', async () => {
    const gateway = gatewayFor(server);
    await gateway.createIntent(newRequest()); // token first
    const from = server.requests.length;
    server.failures.push({ path: /^\/v2\/checkout\/orders$/, status: 503 });
    const r = newRequest();
    const intent = await gateway.createIntent(r);
    const creates = sentSince(from).filter((x) => x.path === '/v2/checkout/orders');
    expect(creates.map((x) => x.headers['paypal-request-id'])).toEqual([r.idempotencyKey, r.idempotencyKey]);
    expect([...server.orders.values()].filter((o) => o.id === intent.intentId)).toHaveLength(1);
  });

  it('caches the token until shortly before it expires; a revoked token is replaced once', async () => {
    let now = Date.now();
    const gateway = gatewayFor(server, { now: () => now });
    const issued = server.tokensIssued();
    await Promise.all([gateway.createIntent(newRequest()), gateway.createIntent(newRequest())]);
    await gateway.createIntent(newRequest());
    expect(server.tokensIssued() - issued, 'one token for three orders, two of them concurrent').toBe(1);
    now += 32_400_000 - 30_000; // within the last minute of its 9 h life
    await gateway.createIntent(newRequest());
    expect(server.tokensIssued() - issued).toBe(2);
    server.revokeTokens();
    const intent = await gateway.createIntent(newRequest());
    expect(intent.intentId).toMatch(PAYPAL_ID);
    expect(server.tokensIssued() - issued).toBe(3);
  });

  it('wrong credentials are an error naming what PayPal said', async () => {
    const gateway = gatewayFor(server, { clientSecret: 'not-the-secret-0000' });
    const err = await gateway.createIntent(newRequest()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayPalApiError);
    expect(err).toMatchObject({ status: 401, errorName: 'invalid_client' });
  });

  describe('capture', () => {
    it('before the buyer approves: PayPalOrderNotApprovedError, and the order stays open', async () => {
      const gateway = gatewayFor(server);
      const { intentId } = await gateway.createIntent(newRequest());
      await expect(gateway.capture(intentId, `capture-${intentId}-0`)).rejects.toBeInstanceOf(
        PayPalOrderNotApprovedError,
      );
      expect((await gateway.retrieve(intentId)).status).toBe('requires_payment_method');
    });

    it('after approval: completed with the capture id and amount; retrieve says succeeded', async () => {
      const gateway = gatewayFor(server);
      const r = newRequest(4200);
      const { intentId } = await gateway.createIntent(r);
      server.approve(intentId);
      expect((await gateway.retrieve(intentId)).status).toBe('requires_capture');
      const from = server.requests.length;
      const outcome = await gateway.capture(intentId, `capture-${intentId}-0`);
      expect(outcome).toEqual({ status: 'completed', captureId: expect.stringMatching(PAYPAL_ID), amount: r.amount });
      const capture = sentSince(from).find((x) => x.path.endsWith('/capture'))!;
      expect(capture.headers['paypal-request-id']).toBe(`capture-${intentId}-0`);
      expect(capture.headers['content-type']).toBe('application/json');
      const snapshot = await gateway.retrieve(intentId);
      expect(snapshot).toMatchObject({
        status: 'succeeded',
        chargeId: outcome.status === 'completed' ? outcome.captureId : 'x',
        paymentId: r.paymentId,
        bookingId: r.bookingId,
        amount: r.amount,
      });
      // a retried capture (same request id) and a late one (new id) both name the same capture
      expect(await gateway.capture(intentId, `capture-${intentId}-0`)).toEqual(outcome);
      expect(await gateway.capture(intentId, `capture-${intentId}-1`)).toEqual(outcome);
    });

    it('a declined instrument: declined; the buyer picks another source and the next attempt completes', async () => {
      const gateway = gatewayFor(server);
      const { intentId } = await gateway.createIntent(newRequest());
      server.approve(intentId);
      server.captureScript.push('INSTRUMENT_DECLINED');
      const declined = await gateway.capture(intentId, `capture-${intentId}-0`);
      expect(declined).toMatchObject({ status: 'declined', code: 'instrument_declined' });
      expect((await gateway.capture(intentId, `capture-${intentId}-1`)).status).toBe('completed');
    });

    it('a capture held for review is pending; a denied one reads back with its error', async () => {
      const gateway = gatewayFor(server);
      const pending = await gateway.createIntent(newRequest());
      server.approve(pending.intentId);
      server.captureScript.push('PENDING');
      expect(await gateway.capture(pending.intentId, 'c-pending')).toMatchObject({
        status: 'pending',
        reason: 'PENDING_REVIEW',
      });
      expect((await gateway.retrieve(pending.intentId)).status).toBe('processing');

      const denied = await gateway.createIntent(newRequest());
      server.approve(denied.intentId);
      server.captureScript.push('DECLINED');
      expect(await gateway.capture(denied.intentId, 'c-denied')).toMatchObject({
        status: 'declined',
        code: 'capture_declined',
      });
      expect(await gateway.retrieve(denied.intentId)).toMatchObject({
        status: 'requires_payment_method',
        chargeId: null,
        lastError: { code: 'capture_declined' },
      });
    });
  });

  it('refunds the capture with our payment id as custom_id and the amount as a decimal string', async () => {
    const gateway = gatewayFor(server);
    const r = newRequest(3000);
    const { intentId } = await gateway.createIntent(r);
    server.approve(intentId);
    await gateway.capture(intentId, `capture-${intentId}`);
    const from = server.requests.length;
    const refund = await gateway.refund({
      intentId,
      amount: { amount: 1050, currency: 'EUR' },
      idempotencyKey: `refund-${r.paymentId}-3`,
    });
    expect(refund.refundId).toMatch(PAYPAL_ID);
    const sent = sentSince(from).find((x) => x.path.endsWith('/refund'))!;
    expect(sent.headers['paypal-request-id']).toBe(`refund-${r.paymentId}-3`);
    expect(sent.json).toEqual({ amount: { currency_code: 'EUR', value: '10.50' }, custom_id: r.paymentId });
    expect(server.problems).toEqual([]);
  });

  it('refusing to refund an order that was never captured', async () => {
    const gateway = gatewayFor(server);
    const { intentId } = await gateway.createIntent(newRequest());
    await expect(
      gateway.refund({ intentId, amount: { amount: 100, currency: 'EUR' }, idempotencyKey: `refund-${intentId}` }),
    ).rejects.toThrow(/no completed capture/);
  });
});

describe('verifyPayPalWebhook', () => {
  const event = (id = `WH-${randomUUID()}`) => ({
    id,
    event_version: '1.0',
    create_time: new Date().toISOString(),
    resource_type: 'capture',
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    summary: 'Payment completed for EUR 25.00',
    resource: { id: 'CAPTURE0000000001', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '25.00' } },
  });
  const verify = (body: string, headers: Record<string, string>, webhookId = server.webhookId) =>
    verifyPayPalWebhook(
      gatewayFor(server, { maxRetries: 0 }).client,
      webhookId,
      payPalWebhookHeaders((name) => headers[name]),
      body,
    );

  it('PayPal vouches for a delivery it signed: the event comes back, and PayPal got the bytes as received', async () => {
    const e = event();
    // spacing PayPal might send; re-serialising would lose it
    const signed = server.signWebhook(e);
    const from = server.requests.length;
    await expect(verify(signed.body, signed.headers)).resolves.toMatchObject({ id: e.id, event_type: e.event_type });
    const call = server.requests.slice(from).find((r) => r.path === '/v1/notifications/verify-webhook-signature')!;
    expect(call.body.endsWith(`"webhook_event":${signed.body}}`)).toBe(true);
    expect(JSON.parse(call.body)).toMatchObject({
      auth_algo: 'SHA256withRSA',
      cert_url: signed.headers['paypal-cert-url'],
      transmission_id: signed.headers['paypal-transmission-id'],
      transmission_sig: signed.headers['paypal-transmission-sig'],
      transmission_time: signed.headers['paypal-transmission-time'],
      webhook_id: server.webhookId,
    });
  });

  it.each([
    ['a tampered body', (b: string, h: Record<string, string>) => [b.replace('25.00', '2.50'), h] as const],
    ['another webhook id', (b: string, h: Record<string, string>) => [b, h, 'ANOTHERWEBHOOK1'] as const],
    [
      'a missing transmission signature',
      (b: string, h: Record<string, string>) => {
        const { ['paypal-transmission-sig']: _sig, ...rest } = h;
        return [b, rest] as const;
      },
    ],
    ['a body that is not JSON', (_b: string, h: Record<string, string>) => ['not json', h] as const],
  ])('%s is a WebhookSignatureError', async (_name, alter) => {
    const signed = server.signWebhook(event());
    const err = await (async () => {
      const [body, headers, webhookId] = alter(signed.body, signed.headers);
      return verify(body, headers, webhookId);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookSignatureError);
  });

  it('PayPal unreachable is not a signature error (the delivery fails and PayPal retries)', async () => {
    const signed = server.signWebhook(event());
    server.failures.push({ path: /verify-webhook-signature/, status: 503 });
    const err = await verify(signed.body, signed.headers).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayPalApiError);
    expect(err).not.toBeInstanceOf(WebhookSignatureError);
  });

  it('a verification that failed with a 503 is retried (it changes nothing at PayPal)', async () => {
    const signed = server.signWebhook(event());
    server.failures.push({ path: /verify-webhook-signature/, status: 503 });
    const client = gatewayFor(server).client;
    const headers = payPalWebhookHeaders((name) => signed.headers[name]);
    await expect(verifyPayPalWebhook(client, server.webhookId, headers, signed.body)).resolves.toMatchObject({
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
    });
    expect(server.failures).toEqual([]);
  });
});
