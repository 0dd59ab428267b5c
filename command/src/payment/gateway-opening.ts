/**
 * The facts StartPayment would have recorded, rebuilt from the booking (payment id =
 * booking id), for a gateway webhook that reaches a payment stream before PaymentStarted.
 */
import { loadState, streams, type CommandRuntime, type GatewayName } from '@booking/shared-kernel';
import { bookingDecider } from '../booking/booking.js';
import type { PaymentOpening } from './payment.js';

export async function openingFromBooking(
  runtime: CommandRuntime,
  paymentId: string,
  intentId: string | null,
  gateway: GatewayName,
): Promise<PaymentOpening | null> {
  if (!intentId) return null;
  const { state } = await loadState(runtime, streams.booking(paymentId), bookingDecider);
  const placed = state.placed;
  if (!placed) return null;
  return {
    paymentId,
    bookingId: placed.bookingId,
    customerId: placed.customerId,
    providerId: placed.providerId,
    amount: { ...placed.total },
    gateway,
    intentId,
  };
}
