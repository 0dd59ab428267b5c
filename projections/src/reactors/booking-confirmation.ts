/**
 * Payment succeeded (or marked paid) -> the booking's capacity is confirmed, then the
 * booking. If the hold lapsed and its seat was taken meanwhile, the booking expires and a
 * gateway payment is refunded in full, so nobody pays for nothing.
 */
import {
  DomainRuleError,
  executeCommand,
  gatewayNamed,
  loadState,
  streams,
  type CommandContext,
} from '@booking/shared-kernel';
import { bookingDecider, capacityDecider, offeringDecider, paymentDecider, refundableAmount } from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';

async function seatsFor(deps: ReactorDeps, offeringId: string, streamId: string): Promise<number | undefined> {
  if (!streamId.startsWith('slot-')) return undefined;
  const { state } = await loadState(deps.runtime, streams.offering(offeringId), offeringDecider);
  return state.seatsPerSlot ?? 0;
}

async function refundInFull(deps: ReactorDeps, paymentId: string, reason: string, ctx: CommandContext): Promise<void> {
  const { state } = await loadState(deps.runtime, streams.payment(paymentId), paymentDecider);
  const amount = refundableAmount(state);
  if (amount <= 0 || state.gateway === 'manual' || !state.intentId) return;
  const gateway = gatewayNamed(state.gateway, deps.gateway, deps.paypal);
  if (!gateway) {
    deps.logger.warn(
      { paymentId, gateway: state.gateway },
      'payment made with a gateway this process does not use; not refunded',
    );
    return;
  }
  const refund = await gateway.refund({
    intentId: state.intentId,
    amount: { amount, currency: state.amount!.currency },
    idempotencyKey: `refund-${paymentId}-unfulfilled`,
  });
  await executeCommand(
    deps.runtime,
    streams.payment(paymentId),
    paymentDecider,
    {
      type: 'RefundPayment',
      actor: ctx.actor,
      amount: { amount, currency: state.amount!.currency },
      reason,
      gatewayReference: refund.refundId,
      refundedBefore: state.refunded,
    },
    ctx,
  );
}

export const bookingConfirmationReactor: Reactor = {
  name: 'booking-confirmation',
  eventTypes: new Set(['PaymentSucceeded', 'PaymentMarkedPaid']),
  async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
    if (event.type !== 'PaymentSucceeded' && event.type !== 'PaymentMarkedPaid') return;
    const { bookingId, paymentId } = event.data;
    const { state: booking } = await loadState(deps.runtime, streams.booking(bookingId), bookingDecider);
    if (!booking.placed) throw new Error(`payment ${paymentId} names booking ${bookingId}, which does not exist`);
    if (booking.status === 'CONFIRMED' || booking.status === 'COMPLETED' || booking.status === 'NO_SHOW') return;
    if (booking.status !== 'PENDING') {
      deps.logger.warn(
        { bookingId, status: booking.status },
        'payment arrived for a booking that is no longer pending; refunding',
      );
      await refundInFull(deps, paymentId, `booking was ${booking.status} when the payment arrived`, ctx);
      return;
    }
    const seats = await seatsFor(deps, booking.placed.offeringId, booking.capacityStreamId);
    try {
      await executeCommand(
        deps.runtime,
        booking.capacityStreamId,
        capacityDecider,
        {
          type: 'ConfirmCapacity',
          bookingId,
          now: deps.clock.now(),
          ...(seats !== undefined ? { seats } : {}),
        },
        ctx,
      );
    } catch (err) {
      if (!(err instanceof DomainRuleError)) throw err;
      deps.logger.warn(
        { bookingId, code: err.code },
        'capacity could not be confirmed; expiring the booking and refunding',
      );
      await executeCommand(
        deps.runtime,
        streams.booking(bookingId),
        bookingDecider,
        { type: 'ExpireBooking', now: deps.clock.now() },
        ctx,
      ).catch((expireErr: unknown) => {
        if (!(expireErr instanceof DomainRuleError)) throw expireErr;
      });
      await refundInFull(deps, paymentId, 'the held capacity was no longer available', ctx);
      return;
    }
    await executeCommand(
      deps.runtime,
      streams.booking(bookingId),
      bookingDecider,
      { type: 'ConfirmBooking', paymentId },
      ctx,
    );
  },
};
