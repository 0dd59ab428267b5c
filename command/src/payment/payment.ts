/** The payment aggregate: its commands, state and pure decider. */
import {
  DomainRuleError, ForbiddenError, ValidationError,
  type Actor, type CardData, type Decider, type GatewayName, type MoneyData, type PaymentEvent,
} from '@booking/shared-kernel';

export type PaymentStatus = 'NONE' | 'STARTED' | 'FAILED' | 'SUCCEEDED';

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
}

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
  | { type: 'RefundPayment'; actor: Actor; amount: MoneyData; reason: string; gatewayReference: string }
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
};

export function refundableAmount(state: PaymentState): number {
  return state.status === 'SUCCEEDED' && state.amount ? state.amount.amount - state.refunded : 0;
}

export function decidePayment(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
  switch (command.type) {
    case 'StartPayment': {
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this booking is already paid');
      if (state.status !== 'NONE') return [];
      const { type: _t, ...data } = command;
      return [{ type: 'PaymentStarted', data }];
    }
    case 'RecordPaymentSucceeded': {
      if (state.gatewayReferences.includes(command.gatewayReference)) return [];
      if (state.status === 'SUCCEEDED') throw new DomainRuleError('already-paid', 'this payment already succeeded');
      if (state.status === 'NONE') throw new DomainRuleError('payment-not-started', 'no such payment');
      if (!state.amount || command.amount.amount !== state.amount.amount || command.amount.currency !== state.amount.currency) {
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
  }
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
      };
    case 'PaymentFailed':
      return { ...state, status: 'FAILED' };
    case 'PaymentRefunded':
      return {
        ...state,
        refunded: state.refunded + event.data.amount.amount,
        gatewayReferences: [...state.gatewayReferences, event.data.gatewayReference],
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
