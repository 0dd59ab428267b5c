/**
 * The payment gateway port. The sandbox gateway (embedded default) and Stripe pass one
 * gateway contract suite. Amounts are integer minor units.
 */
import type { Money } from '../primitives/money.js';

export interface PaymentIntent {
  readonly intentId: string;
  /** handed to the browser to confirm the payment (Stripe's client secret) */
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
  | { readonly status: 'succeeded'; readonly reference: string; readonly amount: Money; readonly card: { brand: string; last4: string } }
  | { readonly status: 'failed'; readonly code: string; readonly reason: string };

export interface PaymentGateway {
  readonly name: 'sandbox' | 'stripe';
  createIntent(request: CreateIntentRequest): Promise<PaymentIntent>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}
