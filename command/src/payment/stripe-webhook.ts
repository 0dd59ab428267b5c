/**
 * POST /api/payments/webhooks/stripe — Stripe tells us what happened to a payment.
 *
 * The signature is verified over the RAW body (this router parses its own body with
 * express.raw, so it must be mounted before the app-wide JSON parser). A missing, tampered,
 * expired or foreign signature is a 400 and nothing is appended.
 *
 * Each Stripe event becomes one ApplyGatewayEvent command on `payment-<id>`; the decider
 * deduplicates by Stripe event id and reconciles out-of-order deliveries (see payment.ts).
 * A fact our rules refuse (another amount, a second charge) is logged and acknowledged
 * with 200 so Stripe stops retrying; an infrastructure failure is a 500 so it retries.
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
} from '@booking/shared-kernel';
import {
  verifyStripeWebhook,
  type StripeCharge,
  type StripeDispute,
  type StripeEvent,
  type StripePaymentIntent,
} from '@booking/shared-kernel/adapters';
import { paymentDecider, type GatewayOutcome } from './payment.js';
import { openingFromBooking } from './gateway-opening.js';
import { WebhookNotConfiguredError } from './webhook-not-configured.js';
import { verifiedEvent, webhookContext } from './webhook-delivery.js';

export const STRIPE_WEBHOOK_PATH = '/api/payments/webhooks/stripe';

export const HANDLED_STRIPE_EVENTS = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'charge.dispute.created',
]);

export { InvalidSignatureError } from './webhook-delivery.js';

export interface StripeWebhookDeps {
  runtime: CommandRuntime;
  clock: Clock;
  logger: Logger;
  /** `whsec_…`; without it the endpoint answers 404 */
  secret: string | null;
  toleranceSeconds: number;
  maxBodyBytes: number;
  /** which payment recorded this intent (charges and disputes may carry no metadata) */
  findPaymentByIntent(intentId: string): Promise<string | null>;
}

interface Resolved {
  paymentId: string;
  intentId: string | null;
  outcome: GatewayOutcome;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

const money = (amount: number, currency: string) => ({ amount, currency: currency.toUpperCase() });

/** Our reading of a Stripe event: which payment, and what happened to it. */
async function resolve(event: StripeEvent, deps: StripeWebhookDeps): Promise<Resolved | null> {
  const byIntent = async (intentId: string | null, metadata?: Record<string, string> | null) =>
    metadata?.payment_id ?? (intentId ? await deps.findPaymentByIntent(intentId) : null);
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const intent = event.data.object as StripePaymentIntent;
      const paymentId = await byIntent(intent.id, intent.metadata);
      if (!paymentId) return null;
      let outcome: GatewayOutcome;
      if (event.type === 'payment_intent.succeeded') {
        const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
        const card = charge?.payment_method_details?.card;
        outcome = {
          kind: 'succeeded',
          reference: idOf(intent.latest_charge) ?? intent.id,
          amount: money(intent.amount_received || intent.amount, intent.currency),
          ...(card?.last4 ? { card: { brand: card.brand ?? 'card', last4: card.last4 } } : {}),
        };
      } else if (event.type === 'payment_intent.payment_failed') {
        const error = intent.last_payment_error;
        outcome = {
          kind: 'failed',
          code: (error?.decline_code ?? error?.code ?? 'payment_failed').slice(0, 100),
          reason: (error?.message ?? 'the payment failed').slice(0, 500),
        };
      } else {
        outcome = { kind: 'canceled', reason: intent.cancellation_reason ?? 'canceled' };
      }
      return { paymentId, intentId: intent.id, outcome };
    }
    case 'charge.refunded': {
      const charge = event.data.object as StripeCharge;
      const intentId = idOf(charge.payment_intent);
      const paymentId = await byIntent(intentId, charge.metadata);
      if (!paymentId) return null;
      return {
        paymentId,
        intentId,
        outcome: {
          kind: 'refunded',
          chargeId: charge.id,
          chargeAmount: money(charge.amount, charge.currency),
          refundedTotal: charge.amount_refunded,
          reason: 'refunded at Stripe',
        },
      };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object as StripeDispute;
      const intentId = idOf(dispute.payment_intent);
      const paymentId = await byIntent(intentId, null);
      if (!paymentId) return null;
      return {
        paymentId,
        intentId,
        outcome: {
          kind: 'disputed',
          disputeId: dispute.id,
          amount: money(dispute.amount, dispute.currency),
          reason: dispute.reason || 'disputed',
        },
      };
    }
    default:
      return null;
  }
}

/** Applies one verified Stripe event; returns what happened (for the response and logs). */
export async function applyStripeEvent(
  deps: StripeWebhookDeps,
  event: StripeEvent,
  ctx: CommandContext,
): Promise<Record<string, unknown>> {
  if (!HANDLED_STRIPE_EVENTS.has(event.type)) return { ignored: 'unhandled-type' };
  const resolved = await resolve(event, deps);
  if (!resolved) {
    deps.logger.warn({ stripeEventId: event.id, type: event.type }, 'stripe event names no payment of ours; ignored');
    return { ignored: 'unknown-payment' };
  }
  const { paymentId, intentId, outcome } = resolved;
  const streamId = streams.payment(paymentId);
  const { state } = await loadState(deps.runtime, streamId, paymentDecider);
  const opening =
    state.status === 'NONE' ? await openingFromBooking(deps.runtime, paymentId, intentId, 'stripe') : null;
  try {
    const result = await executeCommand(
      deps.runtime,
      streamId,
      paymentDecider,
      { type: 'ApplyGatewayEvent', eventId: event.id, opening, outcome },
      ctx,
    );
    return { paymentId, applied: result.events.map((e) => e.type), status: result.state.status };
  } catch (err) {
    if (!(err instanceof DomainRuleError)) throw err;
    deps.logger.warn(
      { stripeEventId: event.id, type: event.type, paymentId, code: err.code, err: err.message },
      'stripe event refused by the payment rules; acknowledged',
    );
    return { paymentId, ignored: err.code };
  }
}

export function stripeWebhookRouter(deps: StripeWebhookDeps): Router {
  const router = Router();
  router.post(
    STRIPE_WEBHOOK_PATH,
    // the raw bytes, whatever the content type: the signature covers them exactly
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (!deps.secret) throw new WebhookNotConfiguredError('Stripe', 'STRIPE_WEBHOOK_SECRET');
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const secret = deps.secret;
        const event = await verifiedEvent('Stripe', () =>
          verifyStripeWebhook(
            raw,
            req.header('stripe-signature'),
            secret,
            deps.toleranceSeconds,
            deps.clock.now().getTime(),
          ),
        );
        const ctx = webhookContext(res, 'stripe', event.id);
        const outcome = await applyStripeEvent(deps, event, ctx);
        res.status(200).json({ received: true, eventId: event.id, type: event.type, ...outcome });
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}
