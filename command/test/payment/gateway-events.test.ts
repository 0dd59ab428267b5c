/**
 * ApplyGatewayEvent: facts from Stripe webhooks and reconciliation, deduplicated by the
 * gateway's event id and reconciled whatever the delivery order.
 */
import { describe, expect, it } from 'vitest';
import type { MoneyData, PaymentEvent } from '@booking/shared-kernel';
import {
  paymentDecider,
  refundableAmount,
  type GatewayOutcome,
  type PaymentCommand,
  type PaymentOpening,
} from '../../src/payment/payment.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(paymentDecider);
const BOOKING = '01900000-0000-7000-8000-0000000000b2';
const EUR = (amount: number): MoneyData => ({ amount, currency: 'EUR' });
const ids = { paymentId: BOOKING, bookingId: BOOKING };

const opening: PaymentOpening = {
  ...ids,
  customerId: 'customer-1',
  providerId: 'provider-1',
  amount: EUR(5000),
  gateway: 'stripe',
  intentId: 'pi_1',
};
const started: PaymentEvent = { type: 'PaymentStarted', data: { ...opening } };
const succeeded = (eventId?: string, ref = 'ch_1'): PaymentEvent => ({
  type: 'PaymentSucceeded',
  data: { ...ids, amount: EUR(5000), gatewayReference: ref, ...(eventId ? { gatewayEventId: eventId } : {}) },
});
const failed = (eventId: string): PaymentEvent => ({
  type: 'PaymentFailed',
  data: { ...ids, code: 'card_declined', reason: 'declined', gatewayEventId: eventId },
});
const refunded = (amount: number, total: number, eventId: string): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: {
    ...ids,
    amount: EUR(amount),
    reason: 'refunded at Stripe',
    gatewayReference: `ch_1:refunded:${total}`,
    gatewayEventId: eventId,
  },
});

const apply = (eventId: string, outcome: GatewayOutcome, open: PaymentOpening | null = opening): PaymentCommand => ({
  type: 'ApplyGatewayEvent',
  eventId,
  opening: open,
  outcome,
});
const success: GatewayOutcome = { kind: 'succeeded', reference: 'ch_1', amount: EUR(5000) };
const failure: GatewayOutcome = { kind: 'failed', code: 'card_declined', reason: 'declined' };
const refundedTo = (total: number): GatewayOutcome => ({
  kind: 'refunded',
  chargeId: 'ch_1',
  chargeAmount: EUR(5000),
  refundedTotal: total,
  reason: 'refunded at Stripe',
});

describe('ApplyGatewayEvent: succeeded / failed / canceled', () => {
  it('records a success with the Stripe event id', () => {
    spec
      .given([started])
      .when(apply('evt_1', success))
      .then([succeeded('evt_1')]);
  });

  it('the same Stripe event again -> nothing (deduplicated by event id)', () => {
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_1', success))
      .thenNothing();
  });

  it('another event reporting the same charge -> nothing (deduplicated by reference)', () => {
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_9', success))
      .thenNothing();
  });

  it('succeeded before the payment was recorded as started -> the stream is opened first', () => {
    spec
      .given([])
      .when(apply('evt_1', success))
      .then([started, succeeded('evt_1')]);
  });

  it('before the start and without the facts to open it -> payment-not-started', () => {
    spec
      .given([])
      .when(apply('evt_1', success, null))
      .thenThrows('payment-not-started');
  });

  it('another amount -> amount-mismatch; a second charge -> already-paid', () => {
    spec
      .given([started])
      .when(apply('evt_1', { ...success, amount: EUR(10) } as GatewayOutcome))
      .thenThrows('amount-mismatch');
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_2', { ...success, reference: 'ch_2' } as GatewayOutcome))
      .thenThrows('already-paid');
  });

  it('a failure is recorded once per Stripe event', () => {
    spec
      .given([started])
      .when(apply('evt_f1', failure))
      .then([failed('evt_f1')]);
    spec
      .given([started, failed('evt_f1')])
      .when(apply('evt_f1', failure))
      .thenNothing();
    // a second failed attempt is a new event
    spec
      .given([started, failed('evt_f1')])
      .when(apply('evt_f2', failure))
      .then([failed('evt_f2')]);
  });

  it('a failure delivered after the success is stale -> nothing', () => {
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_f1', failure))
      .thenNothing();
  });

  it('a success after a failed attempt wins', () => {
    const state = spec
      .given([started, failed('evt_f1')])
      .when(apply('evt_1', success))
      .thenState();
    expect(state.status).toBe('SUCCEEDED');
  });

  it('canceled -> PaymentCanceled; after a success it is stale', () => {
    const canceled: PaymentEvent = {
      type: 'PaymentCanceled',
      data: { ...ids, reason: 'abandoned', gatewayEventId: 'evt_c' },
    };
    spec
      .given([started])
      .when(apply('evt_c', { kind: 'canceled', reason: 'abandoned' }))
      .then([canceled]);
    expect(spec.given([started, canceled]).state.status).toBe('CANCELED');
    spec
      .given([started, canceled])
      .when(apply('evt_c2', { kind: 'canceled', reason: 'abandoned' }))
      .thenNothing();
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_c', { kind: 'canceled', reason: 'abandoned' }))
      .thenNothing();
  });
});

describe('ApplyGatewayEvent: refunds (cumulative totals)', () => {
  const paid = [started, succeeded('evt_1')];

  it('records the refunded difference', () => {
    spec
      .given(paid)
      .when(apply('evt_r1', refundedTo(2000)))
      .then([refunded(2000, 2000, 'evt_r1')]);
    spec
      .given([...paid, refunded(2000, 2000, 'evt_r1')])
      .when(apply('evt_r2', refundedTo(5000)))
      .then([refunded(3000, 5000, 'evt_r2')]);
  });

  it('a redelivery, or an older total delivered late -> nothing', () => {
    const after = [...paid, refunded(2000, 2000, 'evt_r1'), refunded(3000, 5000, 'evt_r2')];
    spec
      .given(after)
      .when(apply('evt_r1', refundedTo(2000)))
      .thenNothing();
    spec
      .given([...paid, refunded(3000, 3000, 'evt_r2')])
      .when(apply('evt_r1', refundedTo(2000)))
      .thenNothing();
  });

  it('refunded before succeeded -> the charge proves the success; the late success is then a duplicate', () => {
    const events = spec
      .given([started])
      .when(apply('evt_r1', refundedTo(5000)))
      .events();
    expect(events.map((e) => e.type)).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
    const state = spec.given([started, ...events]).state;
    expect(state).toMatchObject({ status: 'SUCCEEDED', refunded: 5000 });
    expect(refundableAmount(state)).toBe(0);
    spec
      .given([started, ...events])
      .when(apply('evt_1', success))
      .thenNothing();
  });

  it('refunded before even the start -> opened, succeeded, refunded', () => {
    const events = spec
      .given([])
      .when(apply('evt_r1', refundedTo(1000)))
      .events();
    expect(events.map((e) => e.type)).toEqual(['PaymentStarted', 'PaymentSucceeded', 'PaymentRefunded']);
  });

  it('an admin refund whose webhook came first records nothing twice (refundedBefore)', () => {
    const afterWebhook = [...paid, refunded(2000, 2000, 'evt_r1')];
    spec
      .given(afterWebhook)
      .when({
        type: 'RefundPayment',
        actor: { id: 'admin-1', role: 'admin' },
        amount: EUR(2000),
        reason: 'goodwill',
        gatewayReference: 're_1',
        refundedBefore: 0,
      })
      .thenNothing();
    // and the webhook after a recorded admin refund adds nothing
    const afterAdmin: PaymentEvent[] = [
      ...paid,
      { type: 'PaymentRefunded', data: { ...ids, amount: EUR(2000), reason: 'goodwill', gatewayReference: 're_1' } },
    ];
    spec
      .given(afterAdmin)
      .when(apply('evt_r1', refundedTo(2000)))
      .thenNothing();
  });
});

describe('ApplyGatewayEvent: disputes', () => {
  it('records a dispute once', () => {
    const disputed: PaymentEvent = {
      type: 'PaymentDisputed',
      data: { ...ids, disputeId: 'dp_1', amount: EUR(5000), reason: 'fraudulent', gatewayEventId: 'evt_d' },
    };
    const outcome: GatewayOutcome = { kind: 'disputed', disputeId: 'dp_1', amount: EUR(5000), reason: 'fraudulent' };
    spec
      .given([started, succeeded('evt_1')])
      .when(apply('evt_d', outcome))
      .then([disputed]);
    spec
      .given([started, succeeded('evt_1'), disputed])
      .when(apply('evt_d', outcome))
      .thenNothing();
    spec
      .given([started, succeeded('evt_1'), disputed])
      .when(apply('evt_d2', outcome))
      .thenNothing();
    expect(spec.given([started, succeeded('evt_1'), disputed]).state).toMatchObject({
      status: 'SUCCEEDED',
      disputes: ['dp_1'],
    });
  });
});
