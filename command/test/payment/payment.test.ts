import { describe, expect, it } from 'vitest';
import type { Actor, MoneyData, PaymentEvent } from '@booking/shared-kernel';
import {
  initialPaymentState,
  paymentDecider,
  refundableAmount,
  type PaymentCommand,
} from '../../src/payment/payment.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(paymentDecider);

const BOOKING = '01900000-0000-7000-8000-0000000000b1';
const PAYMENT = BOOKING;
const EUR = (amount: number): MoneyData => ({ amount, currency: 'EUR' });
const TOTAL = EUR(5000);

const admin: Actor = { id: 'admin-1', role: 'admin' };
const system: Actor = { id: 'cancellation-policy', role: 'system' };
const customer: Actor = { id: 'customer-1', role: 'customer' };
const provider: Actor = { id: 'provider-1', role: 'provider' };

// ----- events ----------------------------------------------------------------------------------

const startData = {
  paymentId: PAYMENT,
  bookingId: BOOKING,
  customerId: customer.id,
  providerId: provider.id,
  amount: TOTAL,
  gateway: 'sandbox' as const,
  intentId: 'pi_123',
};
const started: PaymentEvent = { type: 'PaymentStarted', data: startData };
const succeeded = (gatewayReference = 'ch_1', amount = TOTAL): PaymentEvent => ({
  type: 'PaymentSucceeded',
  data: { paymentId: PAYMENT, bookingId: BOOKING, amount, gatewayReference },
});
const failed: PaymentEvent = {
  type: 'PaymentFailed',
  data: { paymentId: PAYMENT, bookingId: BOOKING, code: 'card_declined', reason: 'The card was declined' },
};
const refunded = (amount: number, gatewayReference: string, reason = 'cancelled'): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { paymentId: PAYMENT, bookingId: BOOKING, amount: EUR(amount), reason, gatewayReference },
});
const markedPaid = (amount = TOTAL): PaymentEvent => ({
  type: 'PaymentMarkedPaid',
  data: {
    paymentId: PAYMENT,
    bookingId: BOOKING,
    customerId: customer.id,
    providerId: provider.id,
    amount,
    reason: 'paid in cash',
  },
});

const paid = [started, succeeded('ch_1')];

// ----- commands --------------------------------------------------------------------------------

const start = (intentId = 'pi_123'): PaymentCommand => ({
  type: 'StartPayment',
  paymentId: PAYMENT,
  bookingId: BOOKING,
  customerId: customer.id,
  providerId: provider.id,
  amount: TOTAL,
  gateway: 'sandbox',
  intentId,
});
const recordSucceeded = (
  gatewayReference = 'ch_1',
  amount = TOTAL,
  card?: { brand: string; last4: string },
): PaymentCommand => ({
  type: 'RecordPaymentSucceeded',
  gatewayReference,
  amount,
  ...(card ? { card } : {}),
});
const recordFailed: PaymentCommand = {
  type: 'RecordPaymentFailed',
  code: 'card_declined',
  reason: 'The card was declined',
};
const refund = (amount: number, gatewayReference: string, actor: Actor = admin, currency = 'EUR'): PaymentCommand => ({
  type: 'RefundPayment',
  actor,
  amount: { amount, currency },
  reason: 'cancelled',
  gatewayReference,
});
const markPaid = (actor: Actor = admin): PaymentCommand => ({
  type: 'MarkPaymentPaid',
  actor,
  paymentId: PAYMENT,
  bookingId: BOOKING,
  customerId: customer.id,
  providerId: provider.id,
  amount: TOTAL,
  reason: 'paid in cash',
});

// ----- specs -----------------------------------------------------------------------------------

describe('StartPayment', () => {
  it('starts a payment with the gateway intent', () => {
    spec.given([]).when(start()).then([started]);
    expect(spec.given([]).when(start()).thenState()).toMatchObject({
      status: 'STARTED',
      paymentId: PAYMENT,
      amount: TOTAL,
      gateway: 'sandbox',
      intentId: 'pi_123',
    });
  });

  it('starting twice -> no event, so the first intent is reused', () => {
    spec.given([started]).when(start('pi_other')).thenNothing();
    expect(spec.given([started]).state.intentId).toBe('pi_123');
  });

  it('starting again after a failure -> no event (the same intent is retried)', () => {
    spec.given([started, failed]).when(start('pi_other')).thenNothing();
  });

  it('starting with another gateway (card -> PayPal) replaces the open or failed attempt', () => {
    const startedWith = (gateway: 'sandbox' | 'paypal', intentId: string): PaymentEvent => ({
      type: 'PaymentStarted',
      data: { ...startData, gateway, intentId },
    });
    const viaPayPal: PaymentCommand = {
      type: 'StartPayment',
      ...startData,
      gateway: 'paypal',
      intentId: '5O190127TN364715T',
    };
    spec
      .given([started])
      .when(viaPayPal)
      .then([startedWith('paypal', '5O190127TN364715T')]);
    spec
      .given([started, failed])
      .when(viaPayPal)
      .then([startedWith('paypal', '5O190127TN364715T')]);
    expect(spec.given([started, failed]).when(viaPayPal).thenState()).toMatchObject({
      status: 'STARTED',
      gateway: 'paypal',
      intentId: '5O190127TN364715T',
    });
    // and back to the card form: a card attempt again
    spec
      .given([started, startedWith('paypal', '5O190127TN364715T')])
      .when(start('pi_again'))
      .then([startedWith('sandbox', 'pi_again')]);
    spec.given(paid).when(viaPayPal).thenThrows('already-paid');
  });

  it('after success -> already-paid', () => {
    spec.given(paid).when(start()).thenThrows('already-paid', { kind: 'domain-rule' });
    spec.given([markedPaid()]).when(start()).thenThrows('already-paid');
  });
});

describe('RecordPaymentSucceeded', () => {
  it('records the success of a started payment', () => {
    spec
      .given([started])
      .when(recordSucceeded('ch_1'))
      .then([succeeded('ch_1')]);
  });

  it('keeps the card when the gateway reports it', () => {
    spec
      .given([started])
      .when(recordSucceeded('ch_1', TOTAL, { brand: 'visa', last4: '4242' }))
      .then([
        {
          type: 'PaymentSucceeded',
          data: {
            paymentId: PAYMENT,
            bookingId: BOOKING,
            amount: TOTAL,
            gatewayReference: 'ch_1',
            card: { brand: 'visa', last4: '4242' },
          },
        },
      ]);
  });

  it('without a card the event has no card field', () => {
    const [event] = spec.given([started]).when(recordSucceeded('ch_1')).events();
    expect(Object.keys(event!.data)).not.toContain('card');
  });

  it('the payment is then SUCCEEDED', () => {
    expect(spec.given(paid).state.status).toBe('SUCCEEDED');
  });

  it('another amount than requested -> amount-mismatch', () => {
    spec
      .given([started])
      .when(recordSucceeded('ch_1', EUR(4999)))
      .thenThrows('amount-mismatch', { kind: 'domain-rule' });
  });

  it('another currency than requested -> amount-mismatch', () => {
    spec
      .given([started])
      .when(recordSucceeded('ch_1', { amount: 5000, currency: 'USD' }))
      .thenThrows('amount-mismatch');
  });

  it('a duplicate gateway reference (webhook redelivery) -> no event', () => {
    spec.given(paid).when(recordSucceeded('ch_1')).thenNothing();
  });

  it('a second success with another reference -> already-paid', () => {
    spec.given(paid).when(recordSucceeded('ch_2')).thenThrows('already-paid');
  });

  it('a payment that was never started -> payment-not-started', () => {
    spec.given([]).when(recordSucceeded('ch_1')).thenThrows('payment-not-started');
  });
});

describe('RecordPaymentFailed', () => {
  it('records the failure of a started payment', () => {
    spec.given([started]).when(recordFailed).then([failed]);
    expect(spec.given([started, failed]).state.status).toBe('FAILED');
  });

  it('a retry may then succeed', () => {
    spec
      .given([started, failed])
      .when(recordSucceeded('ch_2'))
      .then([succeeded('ch_2')]);
    expect(spec.given([started, failed, succeeded('ch_2')]).state.status).toBe('SUCCEEDED');
  });

  it('it may fail again', () => {
    spec.given([started, failed]).when(recordFailed).then([failed]);
  });

  it('a payment that was never started -> payment-not-started', () => {
    spec.given([]).when(recordFailed).thenThrows('payment-not-started');
  });

  it('after success -> already-paid', () => {
    spec.given(paid).when(recordFailed).thenThrows('already-paid');
  });
});

describe('RefundPayment', () => {
  it('an admin refunds the whole payment', () => {
    spec
      .given(paid)
      .when(refund(5000, 're_1'))
      .then([refunded(5000, 're_1')]);
  });

  it('the system (cancellation policy) may refund', () => {
    spec
      .given(paid)
      .when(refund(2000, 're_1', system))
      .then([refunded(2000, 're_1')]);
  });

  it.each([
    ['customer', customer],
    ['provider', provider],
  ])('a %s may not refund -> ForbiddenError', (_role, actor) => {
    spec
      .given(paid)
      .when(refund(100, 're_1', actor))
      .thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('a partial refund, then the rest', () => {
    spec
      .given(paid)
      .when(refund(1500, 're_1'))
      .then([refunded(1500, 're_1')]);
    spec
      .given([...paid, refunded(1500, 're_1')])
      .when(refund(3500, 're_2'))
      .then([refunded(3500, 're_2')]);
    const state = spec.given([...paid, refunded(1500, 're_1'), refunded(3500, 're_2')]).state;
    expect(state.refunded).toBe(5000);
    expect(refundableAmount(state)).toBe(0);
  });

  it('more than the payment -> refund-too-large', () => {
    spec
      .given(paid)
      .when(refund(5001, 're_1'))
      .thenThrows('refund-too-large', { kind: 'domain-rule', message: '5000' });
  });

  it('more than what is left after a partial refund -> refund-too-large', () => {
    spec
      .given([...paid, refunded(1500, 're_1')])
      .when(refund(3501, 're_2'))
      .thenThrows('refund-too-large', { message: '3500' });
  });

  it('nothing left after a full refund -> refund-too-large', () => {
    spec
      .given([...paid, refunded(5000, 're_1')])
      .when(refund(1, 're_2'))
      .thenThrows('refund-too-large');
  });

  it('a payment that did not succeed has nothing to refund', () => {
    spec.given([started]).when(refund(100, 're_1')).thenThrows('refund-too-large');
    spec.given([started, failed]).when(refund(100, 're_1')).thenThrows('refund-too-large');
  });

  it('a duplicate refund reference -> no event', () => {
    spec
      .given([...paid, refunded(1500, 're_1')])
      .when(refund(1500, 're_1'))
      .thenNothing();
    // even when the retry would no longer fit
    spec
      .given([...paid, refunded(5000, 're_1')])
      .when(refund(5000, 're_1'))
      .thenNothing();
  });

  it.each([0, -100])('a refund of %i -> ValidationError', (amount) => {
    spec.given(paid).when(refund(amount, 're_1')).thenThrows('validation', { kind: 'validation' });
  });
});

describe('MarkPaymentPaid', () => {
  it('an admin records a payment received outside the gateway', () => {
    spec.given([]).when(markPaid()).then([markedPaid()]);
    expect(spec.given([markedPaid()]).state).toMatchObject({
      status: 'SUCCEEDED',
      gateway: 'manual',
      amount: TOTAL,
      bookingId: BOOKING,
    });
  });

  it('a started (or failed) gateway payment can be marked paid and keeps its gateway', () => {
    spec.given([started]).when(markPaid()).then([markedPaid()]);
    spec.given([started, failed]).when(markPaid()).then([markedPaid()]);
    expect(spec.given([started, markedPaid()]).state.gateway).toBe('sandbox');
  });

  it.each([
    ['customer', customer],
    ['provider', provider],
    ['system', system],
  ])('a %s may not -> ForbiddenError', (_role, actor) => {
    spec.given([]).when(markPaid(actor)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('after success -> already-paid', () => {
    spec.given(paid).when(markPaid()).thenThrows('already-paid');
    spec.given([markedPaid()]).when(markPaid()).thenThrows('already-paid');
  });

  it('a payment marked paid can be refunded', () => {
    spec
      .given([markedPaid()])
      .when(refund(5000, 'manual-refund-1'))
      .then([refunded(5000, 'manual-refund-1')]);
  });
});

describe('refundableAmount', () => {
  it('is 0 before the payment succeeded', () => {
    expect(refundableAmount(initialPaymentState)).toBe(0);
    expect(refundableAmount(spec.fold([started]))).toBe(0);
    expect(refundableAmount(spec.fold([started, failed]))).toBe(0);
  });

  it('is the paid amount minus the refunds', () => {
    expect(refundableAmount(spec.fold(paid))).toBe(5000);
    expect(refundableAmount(spec.fold([...paid, refunded(1200, 're_1')]))).toBe(3800);
    expect(refundableAmount(spec.fold([...paid, refunded(1200, 're_1'), refunded(800, 're_2')]))).toBe(3000);
    expect(refundableAmount(spec.fold([markedPaid(EUR(7000)), refunded(7000, 're_1')]))).toBe(0);
  });
});
