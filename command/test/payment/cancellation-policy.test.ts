import { describe, expect, it } from 'vitest';
import { cancellationRefund, type CancellationRefundInput } from '../../src/payment/cancellation-policy.js';

const SLOT = '2030-01-10T10:00:00.000Z';
const hoursBefore = (h: number) => new Date(Date.parse(SLOT) - h * 3_600_000);
const base: CancellationRefundInput = {
  kind: 'service',
  cancelledBy: 'customer',
  cancelledAt: hoursBefore(48),
  slotStart: SLOT,
  refundable: 5000,
};

describe('cancellation refund policy', () => {
  it('a customer cancelling a service 24 h or more ahead gets everything back', () => {
    expect(cancellationRefund(base)).toEqual({ amount: 5000, rule: 'full-before-notice-deadline' });
    expect(cancellationRefund({ ...base, cancelledAt: hoursBefore(24) })).toEqual({
      amount: 5000,
      rule: 'full-before-notice-deadline',
    });
  });

  it('less than 24 h ahead (or after the start) -> nothing', () => {
    expect(cancellationRefund({ ...base, cancelledAt: new Date(hoursBefore(24).getTime() + 1) })).toEqual({
      amount: 0,
      rule: 'none-after-notice-deadline',
    });
    expect(cancellationRefund({ ...base, cancelledAt: hoursBefore(-1) })).toEqual({
      amount: 0,
      rule: 'none-after-notice-deadline',
    });
  });

  it('only what is still refundable', () => {
    expect(cancellationRefund({ ...base, refundable: 1200 }).amount).toBe(1200);
    expect(cancellationRefund({ ...base, refundable: 0 })).toEqual({ amount: 0, rule: 'nothing-to-refund' });
  });

  it('a provider or admin cancellation refunds in full, even at the last minute', () => {
    for (const cancelledBy of ['provider', 'admin'] as const) {
      expect(cancellationRefund({ ...base, cancelledBy, cancelledAt: hoursBefore(1) })).toEqual({
        amount: 5000,
        rule: 'full-cancelled-by-business',
      });
    }
  });

  it('a product booking refunds in full', () => {
    expect(cancellationRefund({ ...base, kind: 'product', slotStart: null })).toEqual({
      amount: 5000,
      rule: 'full-product',
    });
  });
});
