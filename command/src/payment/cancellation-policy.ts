/**
 * What a cancelled booking gets back — a pure function, so the rule is read and tested in
 * one place. The cancellation-refund reactor applies it to paid bookings.
 *
 * - A customer cancelling a service gets a full refund until 24 h before the slot starts,
 *   nothing after (the booking rules already refuse customer cancellations inside the
 *   notice period; the policy does not rely on that).
 * - A customer cancelling a product booking gets a full refund (nothing was delivered).
 * - A cancellation by the provider or an admin refunds in full: the customer did not
 *   choose to give the booking up.
 */
export const FULL_REFUND_NOTICE_MINUTES = 24 * 60;

export interface CancellationRefundInput {
  kind: 'product' | 'service';
  cancelledBy: 'customer' | 'provider' | 'admin';
  /** when the cancellation was recorded */
  cancelledAt: Date;
  /** services: the slot's UTC start */
  slotStart: string | null;
  /** what is still refundable on the payment, in minor units */
  refundable: number;
}

export type CancellationRefundRule =
  | 'nothing-to-refund'
  | 'full-before-notice-deadline'
  | 'none-after-notice-deadline'
  | 'full-product'
  | 'full-cancelled-by-business';

export interface CancellationRefund {
  amount: number;
  rule: CancellationRefundRule;
}

export function cancellationRefund(
  input: CancellationRefundInput,
  noticeMinutes = FULL_REFUND_NOTICE_MINUTES,
): CancellationRefund {
  if (input.refundable <= 0) return { amount: 0, rule: 'nothing-to-refund' };
  if (input.cancelledBy !== 'customer') return { amount: input.refundable, rule: 'full-cancelled-by-business' };
  if (input.kind === 'product' || !input.slotStart) return { amount: input.refundable, rule: 'full-product' };
  const minutesBefore = (Date.parse(input.slotStart) - input.cancelledAt.getTime()) / 60_000;
  return minutesBefore >= noticeMinutes
    ? { amount: input.refundable, rule: 'full-before-notice-deadline' }
    : { amount: 0, rule: 'none-after-notice-deadline' };
}
