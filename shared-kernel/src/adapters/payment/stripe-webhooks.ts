/**
 * Verifying and reading Stripe webhooks. The signature (`Stripe-Signature: t=…,v1=…`) is
 * an HMAC of the RAW request body, so it must be checked before any JSON parsing.
 */
import type Stripe from 'stripe';
import { lazyModule } from '../lazy-module.js';

const stripe = lazyModule<typeof Stripe>('stripe');
import { WebhookSignatureError } from './webhook-signature-error.js';

export type StripeEvent = Stripe.Event;
export type StripePaymentIntent = Stripe.PaymentIntent;
export type StripeCharge = Stripe.Charge;
export type StripeDispute = Stripe.Dispute;

export { WebhookSignatureError };

/**
 * Returns the verified event, or throws WebhookSignatureError (missing, malformed,
 * tampered, signed with another secret, or older than `toleranceSeconds` at `nowMs`).
 */
export function verifyStripeWebhook(
  rawBody: Buffer | string,
  signature: string | undefined,
  secret: string,
  toleranceSeconds: number,
  nowMs = Date.now(),
): StripeEvent {
  if (!signature) throw new WebhookSignatureError('the Stripe-Signature header is missing');
  try {
    return stripe().webhooks.constructEvent(rawBody, signature, secret, toleranceSeconds, undefined, nowMs);
  } catch (err) {
    throw new WebhookSignatureError(err instanceof Error ? err.message : String(err));
  }
}

/** Signs a payload the way Stripe does, for tests and local tools. */
export function signStripeWebhook(
  payload: string,
  secret: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): string {
  return stripe().webhooks.generateTestHeaderString({ payload, secret, timestamp: timestampSeconds });
}
