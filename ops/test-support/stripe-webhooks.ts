/**
 * Stripe webhook helpers for HTTP tests: Stripe-shaped events, signed with
 * `stripe.webhooks.generateTestHeaderString` (signStripeWebhook) at the harness clock.
 */
import { streams } from '@booking/shared-kernel';
import { signStripeWebhook } from '@booking/shared-kernel/adapters';
import type { Harness } from './harness.js';

export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdefghijklmnop';
const PATH = '/api/payments/webhooks/stripe';

/** the harness env: Stripe against stripe-mock when STRIPE_API_URL is set, else the sandbox */
export function paymentEnv(extra: Record<string, string> = {}): Record<string, string> {
  const stripe: Record<string, string> = process.env.STRIPE_API_URL
    ? { STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? 'sk_test_123', STRIPE_API_URL: process.env.STRIPE_API_URL }
    : {};
  return { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, ...stripe, ...extra };
}

let seq = 0;
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  id = `evt_test_${Date.now().toString(36)}_${++seq}`,
) {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function intentObject(
  intentId: string,
  paymentId: string,
  amount: number,
  status: string,
  extra: Record<string, unknown> = {},
) {
  return {
    id: intentId,
    object: 'payment_intent',
    amount,
    amount_received: status === 'succeeded' ? amount : 0,
    currency: 'eur',
    status,
    client_secret: `${intentId}_secret_x`,
    latest_charge: status === 'succeeded' ? `ch_for_${intentId}` : null,
    last_payment_error: null,
    cancellation_reason: null,
    metadata: { booking_id: paymentId, payment_id: paymentId },
    ...extra,
  };
}

export function chargeRefunded(intentId: string, amount: number, refundedTotal: number) {
  return {
    id: `ch_for_${intentId}`,
    object: 'charge',
    amount,
    amount_refunded: refundedTotal,
    currency: 'eur',
    paid: true,
    refunded: refundedTotal >= amount,
    status: 'succeeded',
    payment_intent: intentId,
    metadata: {},
  };
}

export async function postWebhook(
  h: Harness,
  event: object,
  options: { secret?: string; timestamp?: number; tamper?: (body: string) => string; signature?: string | null } = {},
) {
  const body = JSON.stringify(event);
  const timestamp = options.timestamp ?? Math.floor(h.clock.now().getTime() / 1000);
  const header =
    options.signature === undefined
      ? signStripeWebhook(body, options.secret ?? WEBHOOK_SECRET, timestamp)
      : options.signature;
  const req = h.http.post(PATH).set('content-type', 'application/json; charset=utf-8');
  if (header !== null) req.set('stripe-signature', header);
  return req.send(options.tamper ? options.tamper(body) : body);
}

export async function paymentTypes(h: Harness, paymentId: string): Promise<string[]> {
  return (await h.platform.eventStore.readStream(streams.payment(paymentId))).map((e) => e.type);
}
