/**
 * The payment gateway contract: the sandbox, Stripe (against stripe-mock, or a Stripe
 * test account) and PayPal (against a local stand-in of its API) run this same suite.
 *
 * `stateful: false` marks a gateway that does not remember what it was sent (stripe-mock
 * answers every request from fixtures: a retrieved intent always comes back
 * `requires_payment_method` with the fixture's amount, and ids do not depend on the
 * request). Assertions that need memory run only on stateful gateways.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { IntentStatus, PaymentGateway } from '../src/ports/payment-gateway.js';

export interface GatewayContractOptions {
  stateful: boolean;
  /** pays an intent the way the customer's browser would (stateful gateways) */
  pay?: (gateway: PaymentGateway, intentId: string) => Promise<void>;
  /** stateless gateways: the idempotency keys the adapter sent, in order (the server
   *  cannot show that it honoured them, so the suite checks they were sent) */
  sentIdempotencyKeys?: () => string[];
  /** the shapes of the gateway's ids (default: Stripe's `pi_`, `ch_`/`py_`, `re_`) */
  ids?: { intent: RegExp; charge: RegExp; refund: RegExp };
}

const STRIPE_IDS = { intent: /^pi_/, charge: /^(ch|py)_/, refund: /^re_/ };

const STATUSES: IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

export function paymentGatewayContract(
  name: string,
  make: () => PaymentGateway,
  options: GatewayContractOptions,
): void {
  describe(`payment gateway contract: ${name}`, () => {
    const ids = options.ids ?? STRIPE_IDS;
    const request = (amount = 2500) => {
      const paymentId = randomUUID();
      return {
        paymentId,
        bookingId: paymentId,
        amount: { amount, currency: 'EUR' },
        idempotencyKey: `payment-${paymentId}`,
      };
    };

    it('names itself', () => {
      expect(['sandbox', 'stripe', 'paypal']).toContain(make().name);
    });

    it('creates an intent with an id and a client secret for the browser', async () => {
      const intent = await make().createIntent(request());
      expect(intent.intentId).toMatch(ids.intent);
      expect(intent.clientSecret).toEqual(expect.any(String));
      expect(intent.clientSecret.length).toBeGreaterThan(0);
    });

    it('starting twice with the same idempotency key returns the same intent', async () => {
      const gateway = make();
      const r = request();
      const first = await gateway.createIntent(r);
      const second = await gateway.createIntent(r);
      if (options.stateful) expect(second.intentId).toBe(first.intentId);
      else expect(options.sentIdempotencyKeys!().filter((k) => k === r.idempotencyKey)).toHaveLength(2);
    });

    it('retrieves an intent it created (for reconciliation)', async () => {
      const gateway = make();
      const r = request(4200);
      const { intentId } = await gateway.createIntent(r);
      const snapshot = await gateway.retrieve(intentId);
      expect(STATUSES).toContain(snapshot.status);
      expect(snapshot.amount.amount).toEqual(expect.any(Number));
      expect(snapshot.amount.currency).toMatch(/^[A-Z]{3}$/);
      if (options.stateful) {
        expect(snapshot).toMatchObject({
          intentId,
          status: 'requires_payment_method',
          amount: r.amount,
          paymentId: r.paymentId,
          bookingId: r.bookingId,
          chargeId: null,
        });
      } else {
        // stripe-mock is stateless: whatever was created, it answers requires_payment_method
        expect(snapshot.status).toBe('requires_payment_method');
        expect(snapshot.chargeId).toBeNull();
      }
    });

    it.skipIf(!options.stateful || !options.pay)(
      'a paid intent retrieves as succeeded with the charge that paid it',
      async () => {
        const gateway = make();
        const { intentId } = await gateway.createIntent(request());
        await options.pay!(gateway, intentId);
        const snapshot = await gateway.retrieve(intentId);
        expect(snapshot.status).toBe('succeeded');
        expect(snapshot.chargeId).toMatch(ids.charge);
      },
    );

    it('refunds in full or in part, and a retried refund (same key) is the same refund', async () => {
      const gateway = make();
      const { intentId } = await gateway.createIntent(request(3000));
      await options.pay?.(gateway, intentId);
      const partial = await gateway.refund({
        intentId,
        amount: { amount: 1000, currency: 'EUR' },
        idempotencyKey: `refund-${intentId}-1`,
      });
      expect(partial.refundId).toMatch(ids.refund);
      const again = await gateway.refund({
        intentId,
        amount: { amount: 1000, currency: 'EUR' },
        idempotencyKey: `refund-${intentId}-1`,
      });
      if (options.stateful) expect(again.refundId).toBe(partial.refundId);
      else expect(options.sentIdempotencyKeys!().filter((k) => k === `refund-${intentId}-1`)).toHaveLength(2);
      const rest = await gateway.refund({
        intentId,
        amount: { amount: 2000, currency: 'EUR' },
        idempotencyKey: `refund-${intentId}-2`,
      });
      expect(rest.refundId).toMatch(ids.refund);
      if (options.stateful) expect(rest.refundId).not.toBe(partial.refundId);
    });
  });
}
