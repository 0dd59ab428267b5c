import { Router, type Request } from 'express';
import {
  actorOf,
  commandContext,
  commandRoute,
  executeCommand,
  loadState,
  parseInput,
  DomainRuleError,
  NotFoundError,
  ValidationError,
  gatewayNamed,
  streams,
  type CommandContext,
  type PaymentGateway,
  type UserActor,
} from '@booking/shared-kernel';
import { bookingDecider, canSeeBooking } from '../booking/booking.js';
import { paymentDecider, refundableAmount } from './payment.js';
import { MarkPaidBody, RefundBody, SandboxConfirmBody, StartPaymentBody } from './payment-requests.js';
import { payPalCaptureRoute } from './paypal-capture.js';
import { accepted } from '../http/responses.js';
import type { CommandDeps } from '../http/deps.js';

export function paymentRoutes(deps: CommandDeps): Router {
  const { runtime, clock, gateway } = deps;
  const router = Router();

  async function resumeIntent(chosen: PaymentGateway, intentId: string) {
    const snapshot = await chosen.retrieve(intentId);
    return { intentId, clientSecret: snapshot.clientSecret ?? '' };
  }

  async function bookingFor(actor: UserActor, bookingId: string) {
    const { state } = await loadState(runtime, streams.booking(bookingId), bookingDecider);
    if (!state.placed || !canSeeBooking(actor, state.placed)) throw new NotFoundError('booking');
    return state;
  }

  // Start (or resume) paying a pending booking: one payment per booking, id = booking id.
  // The body may choose the method: the card gateway (default) or PayPal when offered.
  router.post(
    '/bookings/:bookingId/payment',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req, 'customer');
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const body = parseInput(StartPaymentBody, req.body ?? {});
      const method = body.method ?? 'card';
      const chosen = method === 'paypal' ? (deps.paypal ?? null) : gateway;
      if (!chosen) throw new ValidationError('PayPal is not offered on this platform', 'method');
      const bookingId = String(req.params.bookingId);
      const booking = await bookingFor(actor, bookingId);
      const placed = booking.placed!;
      if (placed.customerId !== actor.id) throw new NotFoundError('booking');
      if (booking.status !== 'PENDING') {
        throw new DomainRuleError('invalid-booking-status', `cannot pay a booking that is ${booking.status}`);
      }
      if (Date.parse(placed.holdExpiresAt) <= clock.now().getTime()) {
        throw new DomainRuleError('hold-expired', 'the hold on this booking has expired');
      }
      const paymentId = bookingId;
      const streamId = streams.payment(paymentId);
      // Starting twice returns the same intent: the one recorded in the payment stream
      // (gateway idempotency keys expire), or the one the idempotency key names.
      const { state: existing } = await loadState(runtime, streamId, paymentDecider);
      const intent =
        existing.intentId && existing.gateway === chosen.name
          ? await resumeIntent(chosen, existing.intentId)
          : await chosen.createIntent({
              paymentId,
              bookingId,
              amount: placed.total,
              idempotencyKey: `payment-${paymentId}`,
            });
      const result = await executeCommand(
        runtime,
        streamId,
        paymentDecider,
        {
          type: 'StartPayment',
          paymentId,
          bookingId,
          customerId: placed.customerId,
          providerId: placed.providerId,
          amount: placed.total,
          gateway: chosen.name,
          intentId: intent.intentId,
        },
        ctx,
      );
      return accepted(
        201,
        {
          paymentId,
          bookingId,
          method,
          gateway: chosen.name,
          intentId: intent.intentId,
          clientSecret: intent.clientSecret,
          amount: placed.total,
          status: result.state.status,
          holdExpiresAt: placed.holdExpiresAt,
        },
        result.revision,
        result.position,
        `/api/payments/${paymentId}`,
      );
    }),
  );

  // The sandbox stands in for the browser's card form and the gateway's webhook.
  router.post(
    '/payments/:paymentId/sandbox-confirm',
    commandRoute(runtime, async (req, res) => {
      const sandbox = deps.sandbox;
      if (!sandbox) throw new NotFoundError('sandbox gateway');
      const actor = actorOf(req, 'customer');
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const body = parseInput(SandboxConfirmBody, req.body);
      const paymentId = String(req.params.paymentId);
      const { state } = await loadState(runtime, streams.payment(paymentId), paymentDecider);
      if (state.status === 'NONE' || state.customerId !== actor.id) throw new NotFoundError('payment');
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this payment already succeeded');
      const outcome = await sandbox.confirmCard(state.intentId!, state.amount!, body.cardNumber);
      const gatewayCtx: CommandContext = { ...ctx, actor: { id: 'sandbox-gateway', role: 'system' } };
      const result =
        outcome.status === 'succeeded'
          ? await executeCommand(
              runtime,
              streams.payment(paymentId),
              paymentDecider,
              {
                type: 'RecordPaymentSucceeded',
                gatewayReference: outcome.reference,
                amount: { ...outcome.amount },
                card: outcome.card,
              },
              gatewayCtx,
            )
          : await executeCommand(
              runtime,
              streams.payment(paymentId),
              paymentDecider,
              { type: 'RecordPaymentFailed', code: outcome.code, reason: outcome.reason },
              gatewayCtx,
            );
      const body2 =
        outcome.status === 'succeeded'
          ? { paymentId, status: 'SUCCEEDED', card: outcome.card }
          : { paymentId, status: 'FAILED', code: outcome.code, reason: outcome.reason };
      return accepted(200, body2, result.revision, result.position);
    }),
  );

  router.post('/payments/:paymentId/paypal-capture', payPalCaptureRoute(deps));

  router.post(
    '/payments/:paymentId/mark-paid',
    commandRoute(runtime, async (req: Request, res) => {
      const actor = actorOf(req, 'admin');
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const body = parseInput(MarkPaidBody, req.body);
      const paymentId = String(req.params.paymentId);
      const booking = await bookingFor(actor, paymentId);
      const placed = booking.placed!;
      if (booking.status !== 'PENDING') {
        throw new DomainRuleError('invalid-booking-status', `cannot mark a ${booking.status} booking as paid`);
      }
      const result = await executeCommand(
        runtime,
        streams.payment(paymentId),
        paymentDecider,
        {
          type: 'MarkPaymentPaid',
          actor,
          paymentId,
          bookingId: placed.bookingId,
          customerId: placed.customerId,
          providerId: placed.providerId,
          amount: placed.total,
          reason: body.reason,
        },
        ctx,
      );
      return accepted(200, { paymentId, status: result.state.status }, result.revision, result.position);
    }),
  );

  router.post(
    '/payments/:paymentId/refund',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req, 'admin');
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const body = parseInput(RefundBody, req.body);
      const paymentId = String(req.params.paymentId);
      const streamId = streams.payment(paymentId);
      const { state, revision } = await loadState(runtime, streamId, paymentDecider);
      if (state.status === 'NONE') throw new NotFoundError('payment');
      const amount = body.amount
        ? { ...body.amount }
        : { amount: refundableAmount(state), currency: state.amount!.currency };
      if (amount.currency !== state.amount!.currency)
        throw new ValidationError(`the payment is in ${state.amount!.currency}`, 'amount.currency');
      if (body.amount && amount.amount <= 0) throw new ValidationError('a refund must be positive', 'amount.amount');
      if (amount.amount <= 0 || amount.amount > refundableAmount(state)) {
        throw new DomainRuleError(
          'refund-too-large',
          `between 1 and ${refundableAmount(state)} minor units can be refunded`,
        );
      }
      // The idempotency key names the payment's revision: a retry of this refund reuses
      // it, a later refund does not.
      const paidWith = gatewayNamed(state.gateway, gateway, deps.paypal);
      if (state.gateway !== 'manual' && !paidWith) {
        throw new DomainRuleError(
          'gateway-unavailable',
          `this payment was made with the ${state.gateway} gateway, which this process does not use`,
        );
      }
      const refund =
        state.gateway === 'manual' || !paidWith
          ? { refundId: `manual-refund-${paymentId}-${revision}` }
          : await paidWith.refund({
              intentId: state.intentId!,
              amount,
              idempotencyKey: `refund-${paymentId}-${revision}`,
            });
      // Gateway refunds go through the gateway (its refund webhook, Stripe's charge.refunded or
      // PayPal's PAYMENT.CAPTURE.REFUNDED, then changes nothing: `refundedBefore` lets
      // whichever of the two arrives second record nothing).
      const result = await executeCommand(
        runtime,
        streamId,
        paymentDecider,
        {
          type: 'RefundPayment',
          actor,
          amount,
          reason: body.reason,
          gatewayReference: refund.refundId,
          refundedBefore: state.refunded,
        },
        ctx,
      );
      return accepted(200, { paymentId, refunded: result.state.refunded }, result.revision, result.position);
    }),
  );

  return router;
}
