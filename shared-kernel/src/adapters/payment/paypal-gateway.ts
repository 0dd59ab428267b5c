/**
 * PayPal payment gateway (Orders v2 with intent CAPTURE, Payments v2 refunds), over
 * PayPal's REST API with fetch. Selected as an extra payment method when PAYPAL_CLIENT_ID
 * and PAYPAL_CLIENT_SECRET are set; PAYPAL_API_URL points it at another host (a local
 * stand-in in tests).
 *
 * The flow: createIntent creates an order for the booking (the "intent" is the order);
 * the buyer approves it in PayPal's window; `capture` takes the money. Webhooks
 * (PAYMENT.CAPTURE.*) report what happens afterwards. Every write carries a
 * PayPal-Request-Id derived from our ids, so a retry returns the first result.
 */
import type {
  CreateIntentRequest,
  IntentSnapshot,
  IntentStatus,
  PaymentGateway,
  PaymentIntent,
  RefundRequest,
} from '../../ports/payment-gateway.js';
import type { Money } from '../../primitives/money.js';
import { PayPalApiError, PayPalClient, type PayPalClientOptions } from './paypal-client.js';
import { fromPayPalAmount, toPayPalAmount } from './paypal-money.js';

export interface PayPalLink {
  href: string;
  rel: string;
  method?: string;
}

export interface PayPalAmount {
  currency_code: string;
  value: string;
}

export interface PayPalCapture {
  id: string;
  status: string;
  amount?: PayPalAmount;
  custom_id?: string;
  status_details?: { reason?: string };
  supplementary_data?: { related_ids?: { order_id?: string } };
  links?: PayPalLink[];
}

export interface PayPalOrder {
  id: string;
  status: string;
  purchase_units?: {
    reference_id?: string;
    custom_id?: string;
    amount?: PayPalAmount;
    payments?: { captures?: PayPalCapture[] };
  }[];
  links?: PayPalLink[];
}

interface PayPalRefund {
  id: string;
  status: string;
}

export type PayPalCaptureOutcome =
  | { readonly status: 'completed'; readonly captureId: string; readonly amount: Money }
  /** PayPal holds the money for review (e.g. an eCheck): a webhook says how it ends */
  | { readonly status: 'pending'; readonly captureId: string; readonly amount: Money; readonly reason: string }
  | { readonly status: 'declined'; readonly code: string; readonly reason: string };

/** The buyer has not approved the order yet (or must act again in PayPal's window). */
export class PayPalOrderNotApprovedError extends Error {
  override readonly name = 'PayPalOrderNotApprovedError';
}

const COMPLETED_CAPTURE = new Set(['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED']);

function latestCapture(order: PayPalOrder): PayPalCapture | null {
  const captures = order.purchase_units?.[0]?.payments?.captures ?? [];
  return captures.at(-1) ?? null;
}

function approveUrl(order: PayPalOrder): string | null {
  return order.links?.find((l) => l.rel === 'approve' || l.rel === 'payer-action')?.href ?? null;
}

/** Stripe's intent words for a PayPal order (the port speaks them). */
function statusOf(order: PayPalOrder): IntentStatus {
  switch (order.status) {
    case 'APPROVED':
      return 'requires_capture';
    case 'PAYER_ACTION_REQUIRED':
      return 'requires_action';
    case 'VOIDED':
      return 'canceled';
    case 'COMPLETED': {
      const capture = latestCapture(order);
      if (capture && COMPLETED_CAPTURE.has(capture.status)) return 'succeeded';
      if (capture?.status === 'PENDING') return 'processing';
      return 'requires_payment_method';
    }
    default: // CREATED, SAVED
      return 'requires_payment_method';
  }
}

/** Our view of a PayPal order (also for reconciliation). */
export function orderSnapshot(order: PayPalOrder): IntentSnapshot {
  const unit = order.purchase_units?.[0];
  const capture = latestCapture(order);
  const status = statusOf(order);
  const failed = capture && (capture.status === 'DECLINED' || capture.status === 'FAILED');
  return {
    intentId: order.id,
    clientSecret: approveUrl(order),
    status,
    amount: fromPayPalAmount(unit?.amount),
    paymentId: unit?.custom_id ?? null,
    bookingId: unit?.reference_id ?? null,
    chargeId: status === 'succeeded' ? capture!.id : null,
    lastError: failed
      ? {
          code: 'capture_declined',
          reason: capture.status_details?.reason ?? `PayPal ${capture.status.toLowerCase()} the capture`,
        }
      : null,
    cancellationReason: order.status === 'VOIDED' ? 'voided' : null,
  };
}

/** What a capture tells us about the money. */
export function captureOutcome(capture: PayPalCapture): PayPalCaptureOutcome {
  if (COMPLETED_CAPTURE.has(capture.status))
    return { status: 'completed', captureId: capture.id, amount: fromPayPalAmount(capture.amount) };
  if (capture.status === 'PENDING')
    return {
      status: 'pending',
      captureId: capture.id,
      amount: fromPayPalAmount(capture.amount),
      reason: capture.status_details?.reason ?? 'PENDING',
    };
  return {
    status: 'declined',
    code: 'capture_declined',
    reason: capture.status_details?.reason ?? `PayPal ${capture.status.toLowerCase()} the capture`,
  };
}

const orderPath = (orderId: string) => `/v2/checkout/orders/${encodeURIComponent(orderId)}`;

export class PayPalGateway implements PaymentGateway {
  readonly name = 'paypal' as const;
  readonly client: PayPalClient;

  constructor(options: PayPalClientOptions) {
    this.client = new PayPalClient(options);
  }

  async createIntent(request: CreateIntentRequest): Promise<PaymentIntent> {
    const order = await this.client.request<PayPalOrder>('POST', '/v2/checkout/orders', {
      requestId: request.idempotencyKey,
      prefer: 'return=representation',
      body: {
        intent: 'CAPTURE',
        purchase_units: [
          {
            reference_id: request.bookingId,
            custom_id: request.paymentId,
            description: `Booking ${request.bookingId}`,
            amount: toPayPalAmount(request.amount),
          },
        ],
      },
    });
    // the browser's PayPal button takes the order id; the approve link serves a redirect instead
    return { intentId: order.id, clientSecret: approveUrl(order) ?? order.id };
  }

  async retrieve(intentId: string): Promise<IntentSnapshot> {
    return orderSnapshot(await this.order(intentId));
  }

  async order(orderId: string): Promise<PayPalOrder> {
    return this.client.request<PayPalOrder>('GET', orderPath(orderId));
  }

  /**
   * Takes the money of an order the buyer approved. `requestId` names the attempt: a retry
   * of the same attempt gets PayPal's first answer; after a decline the buyer picks
   * another funding source and the next attempt needs a new id.
   */
  async capture(orderId: string, requestId: string): Promise<PayPalCaptureOutcome> {
    let order: PayPalOrder;
    try {
      order = await this.client.request<PayPalOrder>('POST', `${orderPath(orderId)}/capture`, {
        requestId,
        prefer: 'return=representation',
        body: {},
      });
    } catch (err) {
      if (!(err instanceof PayPalApiError) || err.status !== 422) throw err;
      switch (err.issue) {
        case 'INSTRUMENT_DECLINED':
          return { status: 'declined', code: 'instrument_declined', reason: err.message };
        case 'ORDER_ALREADY_CAPTURED':
          order = await this.order(orderId);
          break;
        case 'ORDER_NOT_APPROVED':
        case 'PAYER_ACTION_REQUIRED':
          throw new PayPalOrderNotApprovedError(err.message);
        default:
          throw err;
      }
    }
    const capture = latestCapture(order);
    if (!capture) throw new Error(`PayPal order ${orderId} is ${order.status} without a capture`);
    return captureOutcome(capture);
  }

  /** Which order and payment a capture belongs to (webhooks about refunds made at PayPal). */
  async captureDetails(captureId: string): Promise<{ orderId: string | null; paymentId: string | null }> {
    const capture = await this.client.request<PayPalCapture>(
      'GET',
      `/v2/payments/captures/${encodeURIComponent(captureId)}`,
    );
    return {
      orderId: capture.supplementary_data?.related_ids?.order_id ?? orderIdFromLinks(capture.links),
      paymentId: capture.custom_id ?? null,
    };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const order = await this.order(request.intentId);
    const capture = latestCapture(order);
    if (!capture || !COMPLETED_CAPTURE.has(capture.status))
      throw new Error(`PayPal order ${request.intentId} has no completed capture to refund`);
    const refund = await this.client.request<PayPalRefund>(
      'POST',
      `/v2/payments/captures/${encodeURIComponent(capture.id)}/refund`,
      {
        requestId: request.idempotencyKey,
        prefer: 'return=representation',
        body: {
          amount: toPayPalAmount(request.amount),
          // lets the PAYMENT.CAPTURE.REFUNDED webhook name our payment
          ...(order.purchase_units?.[0]?.custom_id ? { custom_id: order.purchase_units[0].custom_id } : {}),
        },
      },
    );
    if (refund.status === 'FAILED' || refund.status === 'CANCELLED')
      throw new Error(`PayPal refund ${refund.id} of order ${request.intentId} is ${refund.status}`);
    return { refundId: refund.id };
  }
}

/** `.../v2/checkout/orders/<id>` among a capture's links (rel "up"). */
export function orderIdFromLinks(links: PayPalLink[] | undefined): string | null {
  const up = links?.find((l) => l.rel === 'up')?.href ?? '';
  return /\/v2\/checkout\/orders\/([^/?#]+)/.exec(up)?.[1] ?? null;
}

/** `.../v2/payments/captures/<id>` among a refund's links (rel "up"). */
export function captureIdFromLinks(links: PayPalLink[] | undefined): string | null {
  const up = links?.find((l) => l.rel === 'up')?.href ?? '';
  return /\/v2\/payments\/captures\/([^/?#]+)/.exec(up)?.[1] ?? null;
}
