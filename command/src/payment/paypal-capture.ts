/**
 * POST /api/payments/:paymentId/paypal-capture — after the buyer approved the PayPal order
 * (the SPA's PayPal button calls this from onApprove), take the money and record what
 * PayPal answered:
 * - completed -> PaymentSucceeded (the capture id is the gateway reference, so the
 *   PAYMENT.CAPTURE.COMPLETED webhook for it later records nothing);
 * - declined -> PaymentFailed; the buyer may pick another funding source and approve again;
 * - pending (PayPal reviews it) -> nothing yet, answered 202: a webhook ends it.
 * The PayPal-Request-Id names the payment's revision, so a retried click gets PayPal's
 * first answer and an attempt after a decline is a new capture.
 */
import type { RequestHandler } from 'express';
import {
  actorOf,
  commandContext,
  commandRoute,
  executeCommand,
  loadState,
  DomainRuleError,
  NotFoundError,
  streams,
  type CommandContext,
} from '@booking/shared-kernel';
import { PayPalOrderNotApprovedError, type PayPalCaptureOutcome } from '@booking/shared-kernel/adapters';
import { paymentDecider } from './payment.js';
import { accepted } from '../http/responses.js';
import type { CommandDeps } from '../http/deps.js';

export function payPalCaptureRoute(deps: CommandDeps): RequestHandler {
  const { runtime } = deps;
  return commandRoute(runtime, async (req, res) => {
    const paypal = deps.paypal;
    if (!paypal) throw new NotFoundError('PayPal gateway');
    const actor = actorOf(req, 'customer');
    const ctx: CommandContext = { ...commandContext(req, res), actor };
    const paymentId = String(req.params.paymentId);
    const streamId = streams.payment(paymentId);
    const { state, revision } = await loadState(runtime, streamId, paymentDecider);
    if (state.status === 'NONE' || state.customerId !== actor.id) throw new NotFoundError('payment');
    if (state.gateway !== 'paypal' || !state.intentId) {
      throw new DomainRuleError(
        'not-a-paypal-payment',
        `this payment was started with the ${state.gateway} gateway; start it again with method "paypal"`,
      );
    }
    // a repeated call after the success (a double click, a retried request) answers the same
    if (state.status === 'SUCCEEDED')
      return { status: 200, body: { paymentId, status: 'SUCCEEDED', captureId: state.gatewayReferences[0] ?? null } };
    let outcome: PayPalCaptureOutcome;
    try {
      outcome = await paypal.capture(state.intentId, `capture-${paymentId}-${revision}`);
    } catch (err) {
      if (err instanceof PayPalOrderNotApprovedError)
        throw new DomainRuleError('paypal-not-approved', 'the buyer has not approved the PayPal order yet');
      throw err;
    }
    if (outcome.status === 'pending')
      return {
        status: 202,
        body: { paymentId, status: 'PENDING', captureId: outcome.captureId, reason: outcome.reason },
      };
    const gatewayCtx: CommandContext = { ...ctx, actor: { id: 'paypal-gateway', role: 'system' } };
    if (outcome.status === 'completed') {
      const result = await executeCommand(
        runtime,
        streamId,
        paymentDecider,
        { type: 'RecordPaymentSucceeded', gatewayReference: outcome.captureId, amount: { ...outcome.amount } },
        gatewayCtx,
      );
      return accepted(
        200,
        { paymentId, status: 'SUCCEEDED', captureId: outcome.captureId },
        result.revision,
        result.position,
      );
    }
    const result = await executeCommand(
      runtime,
      streamId,
      paymentDecider,
      { type: 'RecordPaymentFailed', code: outcome.code, reason: outcome.reason.slice(0, 500) },
      gatewayCtx,
    );
    return accepted(
      200,
      { paymentId, status: 'FAILED', code: outcome.code, reason: outcome.reason },
      result.revision,
      result.position,
    );
  });
}
