/** The payment aggregate: its commands, state and pure decider. */
import {
  DomainRuleError,
  ForbiddenError,
  ValidationError,
  type Actor,
  type CardData,
  type Decider,
  type GatewayName,
  type MoneyData,
  type PaymentEvent,
} from '@booking/shared-kernel';

export type PaymentStatus = 'NONE' | 'STARTED' | 'FAILED' | 'CANCELED' | 'SUCCEEDED';

export interface PaymentState {
  readonly status: PaymentStatus;
  readonly paymentId: string;
  readonly bookingId: string;
  readonly customerId: string;
  readonly providerId: string;
  readonly amount: MoneyData | null;
  readonly gateway: GatewayName | null;
  readonly intentId: string | null;
  readonly refunded: number;
  readonly gatewayReferences: readonly string[];
  /** gateway events (Stripe `evt_…`) already applied: a redelivery changes nothing */
  readonly gatewayEventIds: readonly string[];
  readonly disputes: readonly string[];
}

/** What opens a payment stream that a gateway event reaches before PaymentStarted is
 *  recorded (the facts StartPayment would have recorded, rebuilt from the booking). */
export interface PaymentOpening {
  paymentId: string;
  bookingId: string;
  customerId: string;
  providerId: string;
  amount: MoneyData;
  gateway: GatewayName;
  intentId: string;
}

/** A fact the gateway reported (webhook or reconciliation), in our words. */
export type GatewayOutcome =
  | { kind: 'succeeded'; reference: string; amount: MoneyData; card?: CardData }
  | { kind: 'failed'; code: string; reason: string }
  | { kind: 'canceled'; reason: string }
  /** `refundedTotal` is cumulative (Stripe's charge.amount_refunded): deliveries in any
   *  order and any number converge on the latest total */
  | { kind: 'refunded'; chargeId: string; chargeAmount: MoneyData; refundedTotal: number; reason: string }
  | { kind: 'disputed'; disputeId: string; amount: MoneyData; reason: string };

export type PaymentCommand =
  | {
      type: 'StartPayment';
      paymentId: string;
      bookingId: string;
      customerId: string;
      providerId: string;
      amount: MoneyData;
      gateway: GatewayName;
      intentId: string;
    }
  | { type: 'RecordPaymentSucceeded'; gatewayReference: string; amount: MoneyData; card?: CardData }
  | { type: 'RecordPaymentFailed'; code: string; reason: string }
  /** `refundedBefore`: what was refunded when this refund was issued at the gateway; when
   *  the stream already shows that plus this amount (its webhook came first), nothing is
   *  recorded twice */
  | {
      type: 'RefundPayment';
      actor: Actor;
      amount: MoneyData;
      reason: string;
      gatewayReference: string;
      refundedBefore?: number;
    }
  /** a gateway event (`eventId` deduplicates); `opening` lets it arrive before the start */
  | { type: 'ApplyGatewayEvent'; eventId: string; opening: PaymentOpening | null; outcome: GatewayOutcome }
  | {
      type: 'MarkPaymentPaid';
      actor: Actor;
      paymentId: string;
      bookingId: string;
      customerId: string;
      providerId: string;
      amount: MoneyData;
      reason: string;
    };

export const initialPaymentState: PaymentState = {
  status: 'NONE',
  paymentId: '',
  bookingId: '',
  customerId: '',
  providerId: '',
  amount: null,
  gateway: null,
  intentId: null,
  refunded: 0,
  gatewayReferences: [],
  gatewayEventIds: [],
  disputes: [],
};

export function refundableAmount(state: PaymentState): number {
  return state.status === 'SUCCEEDED' && state.amount ? state.amount.amount - state.refunded : 0;
}

export function decidePayment(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
  switch (command.type) {
    case 'StartPayment': {
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this booking is already paid');
      // starting again with the same gateway resumes the open attempt; with another one (the
      // customer switched between card and PayPal) the new attempt replaces it
      if (state.status !== 'NONE' && state.gateway === command.gateway) return [];
      const { type: _t, ...data } = command;
      return [{ type: 'PaymentStarted', data }];
    }
    case 'RecordPaymentSucceeded': {
      if (state.gatewayReferences.includes(command.gatewayReference)) return [];
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this payment already succeeded');
      if (state.status === 'NONE') throw new DomainRuleError('payment-not-started', 'no such payment');
      if (
        !state.amount ||
        command.amount.amount !== state.amount.amount ||
        command.amount.currency !== state.amount.currency
      ) {
        throw new DomainRuleError('amount-mismatch', 'the gateway reported another amount than the one requested');
      }
      const data = {
        paymentId: state.paymentId,
        bookingId: state.bookingId,
        amount: command.amount,
        gatewayReference: command.gatewayReference,
        ...(command.card ? { card: command.card } : {}),
      };
      return [{ type: 'PaymentSucceeded', data }];
    }
    case 'RecordPaymentFailed':
      if (state.status === 'NONE') throw new DomainRuleError('payment-not-started', 'no such payment');
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this payment already succeeded');
      return [
        {
          type: 'PaymentFailed',
          data: { paymentId: state.paymentId, bookingId: state.bookingId, code: command.code, reason: command.reason },
        },
      ];
    case 'RefundPayment': {
      if (command.actor.role !== 'admin' && command.actor.role !== 'system') {
        throw new ForbiddenError('refunds are issued by an admin or by the cancellation policy');
      }
      if (state.gatewayReferences.includes(command.gatewayReference)) return [];
      if (command.amount.amount <= 0) throw new ValidationError('a refund must be positive', 'amount');
      if (command.refundedBefore !== undefined && state.refunded >= command.refundedBefore + command.amount.amount)
        return [];
      const refundable = refundableAmount(state);
      if (command.amount.amount > refundable) {
        throw new DomainRuleError('refund-too-large', `at most ${refundable} minor units can be refunded`);
      }
      return [
        {
          type: 'PaymentRefunded',
          data: {
            paymentId: state.paymentId,
            bookingId: state.bookingId,
            amount: command.amount,
            reason: command.reason,
            gatewayReference: command.gatewayReference,
          },
        },
      ];
    }
    case 'MarkPaymentPaid': {
      if (command.actor.role !== 'admin') throw new ForbiddenError('only an admin may mark a payment as paid');
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this payment already succeeded');
      const { type: _t, actor: _a, ...data } = command;
      return [{ type: 'PaymentMarkedPaid', data }];
    }
    case 'ApplyGatewayEvent':
      return decideGatewayEvent(command, state);
  }
}

/**
 * Gateway facts are recorded as they arrive and reconciled here, so redeliveries and any
 * delivery order end in the same state:
 * - an event id already applied -> nothing;
 * - before PaymentStarted -> the stream is opened from `opening` first;
 * - a failure or cancellation after the success is stale -> nothing;
 * - a refund reaching a payment not yet SUCCEEDED proves the charge: the success is
 *   recorded first (with the charge id, so the late `succeeded` is then a duplicate);
 * - refunds are recorded up to the cumulative total reported, never twice.
 */
function decideGatewayEvent(
  command: Extract<PaymentCommand, { type: 'ApplyGatewayEvent' }>,
  initial: PaymentState,
): PaymentEvent[] {
  if (initial.gatewayEventIds.includes(command.eventId)) return [];
  const { outcome, eventId } = command;
  const events: PaymentEvent[] = [];
  let state = initial;
  const emit = (event: PaymentEvent) => {
    events.push(event);
    state = evolvePayment(state, event);
  };
  if (state.status === 'NONE') {
    if (!command.opening) throw new DomainRuleError('payment-not-started', 'no such payment');
    emit({ type: 'PaymentStarted', data: { ...command.opening } });
  }
  const ids = { paymentId: state.paymentId, bookingId: state.bookingId };
  const sameMoney = (a: MoneyData, b: MoneyData | null) =>
    b !== null && a.amount === b.amount && a.currency === b.currency;
  const succeed = (reference: string, amount: MoneyData, card?: CardData) => {
    if (state.gatewayReferences.includes(reference)) return;
    if (state.status === 'SUCCEEDED')
      throw new DomainRuleError('already-paid', 'this payment already succeeded with another charge');
    if (!sameMoney(amount, state.amount))
      throw new DomainRuleError('amount-mismatch', 'the gateway reported another amount than the one requested');
    emit({
      type: 'PaymentSucceeded',
      data: {
        ...ids,
        amount: { ...amount },
        gatewayReference: reference,
        ...(card ? { card: { ...card } } : {}),
        gatewayEventId: eventId,
      },
    });
  };
  switch (outcome.kind) {
    case 'succeeded':
      succeed(outcome.reference, outcome.amount, outcome.card);
      break;
    case 'failed':
      if (state.status === 'SUCCEEDED' || state.status === 'CANCELED') break;
      emit({
        type: 'PaymentFailed',
        data: { ...ids, code: outcome.code, reason: outcome.reason, gatewayEventId: eventId },
      });
      break;
    case 'canceled':
      if (state.status === 'SUCCEEDED' || state.status === 'CANCELED') break;
      emit({ type: 'PaymentCanceled', data: { ...ids, reason: outcome.reason, gatewayEventId: eventId } });
      break;
    case 'refunded': {
      if (state.status !== 'SUCCEEDED') succeed(outcome.chargeId, outcome.chargeAmount);
      const paid = state.amount?.amount ?? 0;
      const delta = Math.min(outcome.refundedTotal, paid) - state.refunded;
      if (delta > 0) {
        emit({
          type: 'PaymentRefunded',
          data: {
            ...ids,
            amount: { amount: delta, currency: state.amount!.currency },
            reason: outcome.reason,
            gatewayReference: `${outcome.chargeId}:refunded:${outcome.refundedTotal}`,
            gatewayEventId: eventId,
          },
        });
      }
      break;
    }
    case 'disputed':
      if (state.disputes.includes(outcome.disputeId)) break;
      emit({
        type: 'PaymentDisputed',
        data: {
          ...ids,
          disputeId: outcome.disputeId,
          amount: { ...outcome.amount },
          reason: outcome.reason,
          gatewayEventId: eventId,
        },
      });
      break;
  }
  return events;
}

function seen(state: PaymentState, gatewayEventId: string | undefined): readonly string[] {
  return gatewayEventId && !state.gatewayEventIds.includes(gatewayEventId)
    ? [...state.gatewayEventIds, gatewayEventId]
    : state.gatewayEventIds;
}

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentStarted':
      return {
        ...state,
        status: 'STARTED',
        paymentId: event.data.paymentId,
        bookingId: event.data.bookingId,
        customerId: event.data.customerId,
        providerId: event.data.providerId,
        amount: event.data.amount,
        gateway: event.data.gateway,
        intentId: event.data.intentId,
      };
    case 'PaymentSucceeded':
      return {
        ...state,
        status: 'SUCCEEDED',
        gatewayReferences: [...state.gatewayReferences, event.data.gatewayReference],
        gatewayEventIds: seen(state, event.data.gatewayEventId),
      };
    case 'PaymentFailed':
      return { ...state, status: 'FAILED', gatewayEventIds: seen(state, event.data.gatewayEventId) };
    case 'PaymentCanceled':
      return { ...state, status: 'CANCELED', gatewayEventIds: seen(state, event.data.gatewayEventId) };
    case 'PaymentDisputed':
      return {
        ...state,
        disputes: [...state.disputes, event.data.disputeId],
        gatewayEventIds: seen(state, event.data.gatewayEventId),
      };
    case 'PaymentRefunded':
      return {
        ...state,
        refunded: state.refunded + event.data.amount.amount,
        gatewayReferences: [...state.gatewayReferences, event.data.gatewayReference],
        gatewayEventIds: seen(state, event.data.gatewayEventId),
      };
    case 'PaymentMarkedPaid':
      return {
        ...state,
        status: 'SUCCEEDED',
        paymentId: event.data.paymentId,
        bookingId: event.data.bookingId,
        customerId: event.data.customerId,
        providerId: event.data.providerId,
        amount: event.data.amount,
        gateway: state.gateway ?? 'manual',
      };
  }
}

export const paymentDecider: Decider<PaymentCommand, PaymentState, PaymentEvent> = {
  initialState: initialPaymentState,
  decide: decidePayment,
  evolve: evolvePayment,
};
