/**
 * SANDBOX payment gateway — no money moves. It lets the whole flow run with no account:
 * test card 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, other numbers
 * that pass the Luhn check succeed, anything else is an invalid card. It plays the part of
 * both the browser confirmation and the gateway's webhook.
 */
import { createHash } from 'node:crypto';
import type { ChargeOutcome, CreateIntentRequest, PaymentGateway, PaymentIntent, RefundRequest } from '../../ports/payment-gateway.js';
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
      this.intents.set(intentId, { intentId, amount: request.amount, refunded: 0, paid: false });
    }
    return { intentId, clientSecret: `${intentId}_secret_sandbox` };
  }

  /** What the browser's card confirmation plus the gateway's webhook would report. */
  async confirmCard(intentId: string, amount: Money, cardNumber: string): Promise<ChargeOutcome> {
    const digits = cardNumber.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) {
      return { status: 'failed', code: 'invalid_number', reason: 'the card number is not valid' };
    }
    if (digits === SANDBOX_CARDS.declined) {
      return { status: 'failed', code: 'card_declined', reason: 'the card was declined (sandbox test card)' };
    }
    if (digits === SANDBOX_CARDS.insufficientFunds) {
      return { status: 'failed', code: 'insufficient_funds', reason: 'insufficient funds (sandbox test card)' };
    }
    const intent = this.intents.get(intentId) ?? { intentId, amount, refunded: 0, paid: false };
    intent.paid = true;
    this.intents.set(intentId, intent);
    const brand = digits.startsWith('4') ? 'visa' : digits.startsWith('5') ? 'mastercard' : 'card';
    return {
      status: 'succeeded',
      reference: stableId('ch', `${intentId}:${digits}`),
      amount,
      card: { brand, last4: digits.slice(-4) },
    };
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    return { refundId: stableId('re', request.idempotencyKey) };
  }
}
