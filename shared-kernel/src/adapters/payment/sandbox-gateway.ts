/**
 * SANDBOX payment gateway — no money moves. It lets the whole flow run with no account:
 * test card 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, other numbers
 * that pass the Luhn check succeed, anything else is an invalid card. It plays the part of
 * both the browser confirmation and the gateway's webhook.
 */
import { createHash } from 'node:crypto';
import type {
  ChargeOutcome,
  CreateIntentRequest,
  IntentSnapshot,
  PaymentGateway,
  PaymentIntent,
  RefundRequest,
} from '../../ports/payment-gateway.js';
import type { Money } from '../../primitives/money.js';

export const SANDBOX_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
} as const;

interface SandboxIntent {
  intentId: string;
  amount: Money;
  refunded: number;
  paid: boolean;
  paymentId: string | null;
  bookingId: string | null;
  chargeId: string | null;
  lastError: { code: string; reason: string } | null;
}

function luhnValid(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

function stableId(prefix: string, key: string): string {
  return `${prefix}_sandbox_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;
  private readonly intents = new Map<string, SandboxIntent>();

  async createIntent(request: CreateIntentRequest): Promise<PaymentIntent> {
    const intentId = stableId('pi', request.idempotencyKey);
    if (!this.intents.has(intentId)) {
      this.intents.set(intentId, {
        intentId,
        amount: { ...request.amount },
        refunded: 0,
        paid: false,
        paymentId: request.paymentId,
        bookingId: request.bookingId,
        chargeId: null,
        lastError: null,
      });
    }
    return { intentId, clientSecret: `${intentId}_secret_sandbox` };
  }

  /** What the browser's card confirmation plus the gateway's webhook would report. */
  async confirmCard(intentId: string, amount: Money, cardNumber: string): Promise<ChargeOutcome> {
    const digits = cardNumber.replace(/[\s-]/g, '');
    const intent = this.intents.get(intentId) ?? {
      intentId,
      amount,
      refunded: 0,
      paid: false,
      paymentId: null,
      bookingId: null,
      chargeId: null,
      lastError: null,
    };
    this.intents.set(intentId, intent);
    const fail = (code: string, reason: string): ChargeOutcome => {
      if (!intent.paid) intent.lastError = { code, reason };
      return { status: 'failed', code, reason };
    };
    if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits))
      return fail('invalid_number', 'the card number is not valid');
    if (digits === SANDBOX_CARDS.declined) return fail('card_declined', 'the card was declined (sandbox test card)');
    if (digits === SANDBOX_CARDS.insufficientFunds)
      return fail('insufficient_funds', 'insufficient funds (sandbox test card)');
    const reference = stableId('ch', `${intentId}:${digits}`);
    if (!intent.paid) {
      intent.paid = true;
      intent.chargeId = reference;
    }
    const brand = digits.startsWith('4') ? 'visa' : digits.startsWith('5') ? 'mastercard' : 'card';
    return { status: 'succeeded', reference, amount, card: { brand, last4: digits.slice(-4) } };
  }

  /** What the sandbox remembers of an intent (in memory: an unknown intent, e.g. after a
   *  restart, reads as still awaiting a card, so reconciliation leaves it alone). */
  async retrieve(intentId: string): Promise<IntentSnapshot> {
    const intent = this.intents.get(intentId);
    return {
      intentId,
      clientSecret: `${intentId}_secret_sandbox`,
      status: intent?.paid ? 'succeeded' : 'requires_payment_method',
      amount: intent ? { ...intent.amount } : { amount: 0, currency: 'EUR' },
      paymentId: intent?.paymentId ?? null,
      bookingId: intent?.bookingId ?? null,
      chargeId: intent?.chargeId ?? null,
      lastError: intent?.lastError ?? null,
      cancellationReason: null,
    };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    return { refundId: stableId('re', request.idempotencyKey) };
  }
}
