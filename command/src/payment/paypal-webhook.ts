/**
 * POST /api/payments/webhooks/paypal — PayPal tells us what happened to a capture.
 *
 * PayPal's verify-webhook-signature API checks the delivery (transmission headers, our
 * webhook id, the raw body): this router reads its own raw body, so it is mounted before
 * the app-wide JSON parser. Missing headers, a body that is not an event, or PayPal not
 * vouching for it: 400 and nothing appended. PayPal unreachable: 500, so it retries.
 *
 * PAYMENT.CAPTURE.COMPLETED / DENIED / REFUNDED each become one ApplyGatewayEvent command
 * on `payment-<id>`; the decider deduplicates by webhook event id (`WH-…`) and by capture
 * id, so the capture the SPA already recorded, redeliveries and any order change nothing
 * twice. A fact our rules refuse is logged and acknowledged with 200.
 */
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import {
  DomainRuleError,
  executeCommand,
  loadState,
  streams,
  type Clock,
  type CommandContext,
  type CommandRuntime,
  type Logger,
  type MoneyData,
} from '@booking/shared-kernel';
import {
  captureIdFromLinks,
  fromPayPalAmount,
  orderIdFromLinks,
  payPalWebhookHeaders,
  verifyPayPalWebhook,
  type PayPalCapture,
  type PayPalGateway,
  type PayPalWebhookEvent,
} from '@booking/shared-kernel/adapters';
import { paymentDecider, type GatewayOutcome, type PaymentState } from './payment.js';
import { openingFromBooking } from './gateway-opening.js';
import { verifiedEvent, webhookContext } from './webhook-delivery.js';
import { WebhookNotConfiguredError } from './webhook-not-configured.js';

export const PAYPAL_WEBHOOK_PATH = '/api/payments/webhooks/paypal';

export const HANDLED_PAYPAL_EVENTS = new Set([
  'PAYMENT.CAPTURE.COMPLETED',
  'PAYMENT.CAPTURE.DENIED',
  'PAYMENT.CAPTURE.REFUNDED',
]);

export interface PayPalWebhookDeps {
  runtime: CommandRuntime;
  clock: Clock;
  logger: Logger;
  /** without the gateway or the webhook id the endpoint answers 404 */
  paypal: PayPalGateway | null;
  webhookId: string | null;
  maxBodyBytes: number;
  /** which payment recorded this order (an event without our custom_id) */
  findPaymentByIntent(intentId: string): Promise<string | null>;
}

interface PayPalRefundResource {
  id: string;
  custom_id?: string;
  seller_payable_breakdown?: { total_refunded_amount?: { currency_code?: string; value?: string } };
  links?: { href: string; rel: string }[];
}

/** Which payment and order an event is about, before reading the payment. */
interface Target {
  paymentId: string;
  orderId: string | null;
  /** the outcome, given the payment as it stands (a refund reports the charge by our amount) */
  outcome(state: PaymentState, opening: MoneyData | null): GatewayOutcome;
}

class MalformedEventError extends Error {}

function money(amount: unknown): MoneyData {
  try {
    return fromPayPalAmount(amount as { currency_code?: unknown; value?: unknown });
  } catch (err) {
    throw new MalformedEventError(err instanceof Error ? err.message : String(err));
  }
}

async function target(event: PayPalWebhookEvent, deps: PayPalWebhookDeps): Promise<Target | null> {
  if (event.event_type === 'PAYMENT.CAPTURE.REFUNDED') {
    const refund = event.resource as unknown as PayPalRefundResource;
    const captureId = captureIdFromLinks(refund.links);
    if (!captureId) throw new MalformedEventError('the refund names no capture (links rel "up")');
    const total = refund.seller_payable_breakdown?.total_refunded_amount;
    if (!total) throw new MalformedEventError('the refund carries no seller_payable_breakdown.total_refunded_amount');
    const refundedTotal = money(total);
    let paymentId = refund.custom_id ?? null;
    let orderId: string | null = null;
    // a refund made in PayPal's dashboard carries none of our ids: the capture knows them
    if (!paymentId && deps.paypal) {
      const details = await deps.paypal.captureDetails(captureId);
      orderId = details.orderId;
      paymentId = details.paymentId ?? (orderId ? await deps.findPaymentByIntent(orderId) : null);
    }
    if (!paymentId) return null;
    return {
      paymentId,
      orderId,
      outcome: (state, opening) => ({
        kind: 'refunded',
        chargeId: captureId,
        // PayPal captures the whole order at once: the charge is the payment's amount
        chargeAmount: state.amount ?? opening ?? refundedTotal,
        refundedTotal: refundedTotal.amount,
        reason: 'refunded at PayPal',
      }),
    };
  }
  const capture = event.resource as unknown as PayPalCapture;
  if (typeof capture.id !== 'string') throw new MalformedEventError('the capture has no id');
  const orderId = capture.supplementary_data?.related_ids?.order_id ?? orderIdFromLinks(capture.links);
  const paymentId = capture.custom_id ?? (orderId ? await deps.findPaymentByIntent(orderId) : null);
  if (!paymentId) return null;
  if (event.event_type === 'PAYMENT.CAPTURE.COMPLETED') {
    const amount = money(capture.amount);
    return { paymentId, orderId, outcome: () => ({ kind: 'succeeded', reference: capture.id, amount }) };
  }
  return {
    paymentId,
    orderId,
    outcome: () => ({
      kind: 'failed',
      code: 'capture_denied',
      reason: (capture.status_details?.reason ?? 'PayPal denied the capture').slice(0, 500),
    }),
  };
}

/** Applies one verified PayPal event; returns what happened (for the response and logs). */
export async function applyPayPalEvent(
  deps: PayPalWebhookDeps,
  event: PayPalWebhookEvent,
  ctx: CommandContext,
): Promise<Record<string, unknown>> {
  if (!HANDLED_PAYPAL_EVENTS.has(event.event_type)) return { ignored: 'unhandled-type' };
  const log = { paypalEventId: event.id, type: event.event_type };
  let found: Target | null;
  try {
    found = await target(event, deps);
  } catch (err) {
    if (!(err instanceof MalformedEventError)) throw err;
    // verified, so PayPal sent it: retrying would not change it
    deps.logger.warn({ ...log, err: err.message }, 'paypal event not understood; acknowledged');
    return { ignored: 'malformed-event' };
  }
  if (!found) {
    deps.logger.warn(log, 'paypal event names no payment of ours; ignored');
    return { ignored: 'unknown-payment' };
  }
  const { paymentId } = found;
  const streamId = streams.payment(paymentId);
  const { state } = await loadState(deps.runtime, streamId, paymentDecider);
  const opening =
    state.status === 'NONE' ? await openingFromBooking(deps.runtime, paymentId, found.orderId, 'paypal') : null;
  try {
    const result = await executeCommand(
      deps.runtime,
      streamId,
      paymentDecider,
      { type: 'ApplyGatewayEvent', eventId: event.id, opening, outcome: found.outcome(state, opening?.amount ?? null) },
      ctx,
    );
    return { paymentId, applied: result.events.map((e) => e.type), status: result.state.status };
  } catch (err) {
    if (!(err instanceof DomainRuleError)) throw err;
    deps.logger.warn(
      { ...log, paymentId, code: err.code, err: err.message },
      'paypal event refused by the payment rules; acknowledged',
    );
    return { paymentId, ignored: err.code };
  }
}

export function payPalWebhookRouter(deps: PayPalWebhookDeps): Router {
  const router = Router();
  router.post(
    PAYPAL_WEBHOOK_PATH,
    // the raw bytes, whatever the content type: PayPal verifies them exactly
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (!deps.paypal || !deps.webhookId)
          throw new WebhookNotConfiguredError('PayPal', 'PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID');
        const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const { client } = deps.paypal;
        const webhookId = deps.webhookId;
        const event = await verifiedEvent('PayPal', () =>
          verifyPayPalWebhook(
            client,
            webhookId,
            payPalWebhookHeaders((name) => req.header(name)),
            raw,
          ),
        );
        const ctx = webhookContext(res, 'paypal', event.id);
        const outcome = await applyPayPalEvent(deps, event, ctx);
        res.status(200).json({ received: true, eventId: event.id, type: event.event_type, ...outcome });
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
