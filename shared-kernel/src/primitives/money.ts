import { ValidationError } from '../errors.js';

/** Money in integer minor units (cents) with an ISO 4217 currency; never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** Minor-unit exponents that differ from 2 (ISO 4217). */
const EXPONENTS: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
};

const KNOWN = new Set([
  'USD',
  'EUR',
  'GBP',
  'CHF',
  'CAD',
  'AUD',
  'NZD',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'HUF',
  'RON',
  'BGN',
  'MXN',
  'BRL',
  'ARS',
  'INR',
  'SGD',
  'HKD',
  'CNY',
  'ZAR',
  'AED',
  'SAR',
  'TRY',
  'ILS',
  'THB',
  'MYR',
  'IDR',
  'PHP',
  ...Object.keys(EXPONENTS),
]);

export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new ValidationError('amount must be an integer number of minor units', 'amount');
  }
  if (!isCurrency(currency)) {
    throw new ValidationError(`unknown ISO 4217 currency ${currency}`, 'currency');
  }
  return { amount, currency };
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function multiplyMoney(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new RangeError('factor must be an integer');
  return money(a.amount * factor, a.currency);
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new RangeError(`currency mismatch: ${a.currency} vs ${b.currency}`);
  }
}

/** "12.50 EUR" style text for receipts and logs. */
export function formatMoney(m: Money): string {
  const exp = minorUnitExponent(m.currency);
  const sign = m.amount < 0 ? '-' : '';
  const abs = Math.abs(m.amount)
    .toString()
    .padStart(exp + 1, '0');
  const whole = exp === 0 ? abs : abs.slice(0, -exp);
  const frac = exp === 0 ? '' : `.${abs.slice(-exp)}`;
  return `${sign}${whole}${frac} ${m.currency}`;
}
