/**
 * PayPal amounts are decimal strings (`"25.00"`), ours are integer minor units. PayPal
 * refuses decimals for HUF, JPY and TWD even where ISO 4217 has a minor unit (HUF), so
 * those are sent as whole units. Conversion is exact: no floating point.
 */
import { minorUnitExponent, type Money } from '../../primitives/money.js';

/** Currencies PayPal takes only as whole units. */
const WHOLE_UNITS_ONLY = new Set(['HUF', 'JPY', 'TWD']);

/** How many fraction digits PayPal expects for a currency. */
export function payPalFractionDigits(currency: string): number {
  return WHOLE_UNITS_ONLY.has(currency) ? 0 : minorUnitExponent(currency);
}

/** The amount object of a PayPal request: `{ currency_code, value }`. */
export function toPayPalAmount(money: Money): { currency_code: string; value: string } {
  if (!Number.isSafeInteger(money.amount) || money.amount < 0)
    throw new RangeError(`a PayPal amount must be a non-negative integer of minor units, not ${money.amount}`);
  const exponent = minorUnitExponent(money.currency);
  const digits = payPalFractionDigits(money.currency);
  // minor units that PayPal cannot express (e.g. 150050 HUF fillér)
  const dropped = 10 ** (exponent - digits);
  if (money.amount % dropped !== 0)
    throw new RangeError(`PayPal takes ${money.currency} in whole units only; ${money.amount} minor units is not`);
  const units = String(money.amount / dropped).padStart(digits + 1, '0');
  const value = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return { currency_code: money.currency, value };
}

/** Our money from a PayPal amount object; throws on a value that is not a plain decimal or
 *  that has more precision than the currency's minor unit. */
export function fromPayPalAmount(amount: { currency_code?: unknown; value?: unknown } | null | undefined): Money {
  const currency = typeof amount?.currency_code === 'string' ? amount.currency_code.toUpperCase() : '';
  const value = typeof amount?.value === 'string' ? amount.value : '';
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`not a currency code: ${String(amount?.currency_code)}`);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) throw new RangeError(`not a PayPal amount value: ${String(amount?.value)}`);
  const exponent = minorUnitExponent(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > exponent && !/^0*$/.test(fraction.slice(exponent)))
    throw new RangeError(`${value} ${currency} has more precision than the currency's minor unit`);
  const minor = Number(match[1]) * 10 ** exponent + Number(fraction.slice(0, exponent).padEnd(exponent, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${value} ${currency} is too large`);
  return { amount: minor, currency };
}
