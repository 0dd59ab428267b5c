/**
 * Stripe payment gateway (PaymentIntents). Selected when STRIPE_SECRET_KEY is set;
 * STRIPE_API_URL points it at another host (stripe-mock in tests). Amounts are integer
 * minor units in both our model and Stripe's; Stripe wants lower-case currency codes.
 *
 * Every write carries an idempotency key derived from our ids, so a retry (or a second
 * "start paying") returns the same intent or refund. Stripe prunes keys after 24 h, so the
 * payment stream, not the key, is what makes a later start reuse the recorded intent.
 */
import type Stripe from 'stripe';
import { lazyModule } from '../lazy-module.js';

const stripe = lazyModule<typeof Stripe>('stripe');
import type {
  CreateIntentRequest,
  IntentSnapshot,
  IntentStatus,
  PaymentGateway,
  PaymentIntent,
  RefundRequest,
} from '../../ports/payment-gateway.js';

export interface StripeGatewayOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for stripe-mock; absent: api.stripe.com */
  apiUrl?: string | null;
  /** network retries of idempotent requests (default 2) */
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /** sees every request sent (method, path, idempotency key): logs and tests */
  onRequest?: (request: { method: string; path: string; idempotencyKey: string | null }) => void;
}

/** The client options for a base URL such as `http://127.0.0.1:12111`. */
export function stripeClientConfig(apiUrl: string | null | undefined): Stripe.StripeConfig {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

const STATUSES: readonly IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Our view of a Stripe PaymentIntent (also used for webhook payloads). */
export function intentSnapshot(intent: Stripe.PaymentIntent): IntentSnapshot {
  const status = (STATUSES as readonly string[]).includes(intent.status)
    ? (intent.status as IntentStatus)
    : 'processing';
  const error = intent.last_payment_error;
  return {
    intentId: intent.id,
    clientSecret: intent.client_secret ?? null,
    status,
    amount: { amount: intent.amount, currency: intent.currency.toUpperCase() },
    paymentId: intent.metadata?.payment_id ?? null,
    bookingId: intent.metadata?.booking_id ?? null,
    chargeId: status === 'succeeded' ? (idOf(intent.latest_charge) ?? intent.id) : null,
    lastError: error
      ? {
          code: error.decline_code ?? error.code ?? error.type ?? 'payment_failed',
          reason: error.message ?? 'the payment failed',
        }
      : null,
    cancellationReason: intent.cancellation_reason ?? null,
  };
}

export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(options: StripeGatewayOptions) {
    this.stripe = new (stripe())(options.secretKey, {
      ...stripeClientConfig(options.apiUrl),
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 20_000,
      appInfo: { name: 'booking-platform' },
    });
    const onRequest = options.onRequest;
    if (onRequest) {
      this.stripe.on('request', (event: { method: string; path: string; idempotency_key?: string }) => {
        onRequest({ method: event.method, path: event.path, idempotencyKey: event.idempotency_key ?? null });
      });
    }
  }

  async createIntent(request: CreateIntentRequest): Promise<PaymentIntent> {
    const intent = await this.stripe.paymentIntents.create(
      {
        amount: request.amount.amount,
        currency: request.amount.currency.toLowerCase(),
        automatic_payment_methods: { enabled: true },
        metadata: { booking_id: request.bookingId, payment_id: request.paymentId },
        description: `Booking ${request.bookingId}`,
      },
      { idempotencyKey: request.idempotencyKey },
    );
    if (!intent.client_secret) throw new Error(`Stripe returned PaymentIntent ${intent.id} without a client secret`);
    return { intentId: intent.id, clientSecret: intent.client_secret };
  }

  async retrieve(intentId: string): Promise<IntentSnapshot> {
    return intentSnapshot(await this.stripe.paymentIntents.retrieve(intentId));
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const refund = await this.stripe.refunds.create(
      { payment_intent: request.intentId, amount: request.amount.amount, reason: 'requested_by_customer' },
      { idempotencyKey: request.idempotencyKey },
    );
    return { refundId: refund.id };
  }
}
