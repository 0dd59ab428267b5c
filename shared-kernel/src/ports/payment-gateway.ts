/**
 * The payment gateway port. The sandbox gateway (embedded default), Stripe and PayPal pass
 * one gateway contract suite. Amounts are integer minor units.
 */
import type { Money } from '../primitives/money.js';

export interface PaymentIntent {
  readonly intentId: string;
  /** handed to the browser to confirm the payment (Stripe's client secret; PayPal's approve link) */
  readonly clientSecret: string;
}

export interface CreateIntentRequest {
  readonly paymentId: string;
  readonly bookingId: string;
  readonly amount: Money;
  /** retries with the same key return the same intent */
  readonly idempotencyKey: string;
}

export interface RefundRequest {
  readonly intentId: string;
  readonly amount: Money;
  readonly idempotencyKey: string;
}

export type ChargeOutcome =
  | {
      readonly status: 'succeeded';
      readonly reference: string;
      readonly amount: Money;
      readonly card: { brand: string; last4: string };
    }
  | { readonly status: 'failed'; readonly code: string; readonly reason: string };

/** Stripe's PaymentIntent statuses; the sandbox uses the same words. */
export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

/** What the gateway knows about an intent now (for reconciliation). */
export interface IntentSnapshot {
  readonly intentId: string;
  readonly clientSecret: string | null;
  readonly status: IntentStatus;
  readonly amount: Money;
  /** our ids, from the intent's metadata (null when it carries none) */
  readonly paymentId: string | null;
  readonly bookingId: string | null;
  /** the charge that paid it (the `gatewayReference` of PaymentSucceeded), when it succeeded */
  readonly chargeId: string | null;
  /** why the last attempt failed, if it did */
  readonly lastError: { readonly code: string; readonly reason: string } | null;
  readonly cancellationReason: string | null;
}

/** Stripe's PaymentIntent statuses are the port's words; PayPal orders map onto them
 *  (CREATED -> requires_payment_method, APPROVED -> requires_capture, captured -> succeeded). */
export interface PaymentGateway {
  readonly name: 'sandbox' | 'stripe' | 'paypal';
  /** amount and currency from the booking; the same idempotency key returns the same intent */
  createIntent(request: CreateIntentRequest): Promise<PaymentIntent>;
  /** the intent's current state at the gateway */
  retrieve(intentId: string): Promise<IntentSnapshot>;
  /** full or partial; the same idempotency key returns the same refund */
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

/** The gateway with this name among those a process has (the card gateway, PayPal), or null. */
export function gatewayNamed(
  name: string | null | undefined,
  ...gateways: readonly (PaymentGateway | null | undefined)[]
): PaymentGateway | null {
  return gateways.find((g) => g && g.name === name) ?? null;
}
