/**
 * BookingCancelled -> the cancellation policy decides what a paid booking gets back, and
 * the refund goes through the payment's gateway with an idempotency key naming the
 * cancellation, so a redelivered event neither refunds twice at the gateway nor records
 * twice (the refund id deduplicates in the payment stream).
 */
import { executeCommand, gatewayNamed, loadState, streams, type CommandContext } from '@booking/shared-kernel';
import { bookingDecider, cancellationRefund, paymentDecider, refundableAmount } from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';

export const cancellationRefundReactor: Reactor = {
  name: 'cancellation-refund',
  eventTypes: new Set(['BookingCancelled']),
  async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
    if (event.type !== 'BookingCancelled') return;
    const { bookingId, cancelledBy } = event.data;
    const { state: booking } = await loadState(deps.runtime, streams.booking(bookingId), bookingDecider);
    if (!booking.placed) return;
    const paymentId = bookingId;
    const { state: payment } = await loadState(deps.runtime, streams.payment(paymentId), paymentDecider);
    // Not paid (yet): nothing to refund. A payment that succeeds after the cancellation is
    // refunded in full by the booking-confirmation reactor.
    if (payment.status !== 'SUCCEEDED' || !payment.amount) return;
    const decision = cancellationRefund({
      kind: booking.placed.kind,
      cancelledBy,
      cancelledAt: new Date(event.metadata.recordedAt),
      slotStart: booking.slot?.start ?? null,
      refundable: refundableAmount(payment),
    });
    const log = { bookingId, paymentId, rule: decision.rule, amount: decision.amount };
    if (decision.amount <= 0) {
      deps.logger.info(log, 'cancellation: no refund under the policy');
      return;
    }
    if (payment.gateway === 'manual' || !payment.intentId) {
      deps.logger.warn(log, 'cancellation: the payment was recorded by hand; an admin must refund it');
      return;
    }
    const gateway = gatewayNamed(payment.gateway, deps.gateway, deps.paypal);
    if (!gateway) {
      deps.logger.warn(
        { ...log, gateway: payment.gateway },
        'cancellation: the payment gateway is not one this process uses; not refunded',
      );
      return;
    }
    const amount = { amount: decision.amount, currency: payment.amount.currency };
    const refund = await gateway.refund({
      intentId: payment.intentId,
      amount,
      idempotencyKey: `refund-${paymentId}-cancellation`,
    });
    await executeCommand(
      deps.runtime,
      streams.payment(paymentId),
      paymentDecider,
      {
        type: 'RefundPayment',
        actor: ctx.actor,
        amount,
        reason: `cancellation policy: ${decision.rule}`,
        gatewayReference: refund.refundId,
        refundedBefore: payment.refunded,
      },
      ctx,
    );
  },
};
