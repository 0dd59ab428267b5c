/**
 * Money is integer minor units plus an ISO 4217 code, exactly as the API carries it.
 * Typed amounts are parsed as decimal strings, never through floats, so "19.99" is 1999
 * and "0.1" + "0.2" never becomes 0.30000000000000004.
 */
import type { Money } from './types';

/** Minor-unit exponents that differ from 2 (the same table as the platform's). */
const EXPONENTS: Readonly<Record<string, number>> = {
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

/** Currencies offered in the UI's pickers; the API accepts more. */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY'] as const;

export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** 1999 EUR -> "19.99"; 5 JPY -> "5"; -250 USD -> "-2.50". Exact, by string arithmetic. */
export function toMajorString(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError('amount must be an integer number of minor units');
  const exp = minorUnitExponent(currency);
  const negative = amount < 0;
  const digits = String(Math.abs(amount));
  if (exp === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exp + 1, '0');
  const whole = padded.slice(0, padded.length - exp);
  const fraction = padded.slice(padded.length - exp);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    const exp = minorUnitExponent(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exp,
      maximumFractionDigits: exp,
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * Formats minor units for display with the viewer's locale, e.g. {1999, 'EUR'} -> "€19.99".
 * The exact decimal string is handed to Intl (which reads it as a decimal, not a double).
 */
export function formatMoney(money: Money, locale?: string): string {
  const exact = toMajorString(money.amount, money.currency);
  return formatterFor(money.currency, locale).format(exact as Intl.StringNumericLiteral);
}

export type ParseResult = { ok: true; amount: number } | { ok: false; error: string };

/**
 * Parses what a person typed in major units into integer minor units of `currency`.
 * Accepts "12", "12.5", "12,50", "1,234.56", "1.234,56", "1 234,56"; refuses negatives,
 * more decimals than the currency has, and anything that is not a number.
 */
export function parseMoney(input: string, currency: string, options: { allowZero?: boolean } = {}): ParseResult {
  const exp = minorUnitExponent(currency);
  let text = input.replace(/[\s\u00a0\u202f_']/g, '');
  if (text === '') return { ok: false, error: 'Enter an amount' };
  if (text.startsWith('-')) return { ok: false, error: 'The amount cannot be negative' };
  if (text.startsWith('+')) text = text.slice(1);
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  let decimalSep: '.' | ',' | null = null;
  if (lastDot >= 0 && lastComma >= 0) {
    decimalSep = lastDot > lastComma ? '.' : ',';
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const count = text.split(sep).length - 1;
    // "1,234,567" groups thousands; a single separator is the decimal point, except
    // "1,234" with exactly three digits after a lone comma in a currency with < 3 decimals.
    if (count > 1) decimalSep = null;
    else if (sep === ',' && /^\d{1,3},\d{3}$/.test(text) && exp < 3) decimalSep = null;
    else decimalSep = sep;
    if (count > 1) text = text.split(sep).join('');
  }
  let whole = text;
  let fraction = '';
  if (decimalSep) {
    const group = decimalSep === '.' ? ',' : '.';
    const idx = text.lastIndexOf(decimalSep);
    whole = text.slice(0, idx).split(group).join('');
    fraction = text.slice(idx + 1);
  } else {
    whole = text.replace(/[.,]/g, '');
  }
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction) || (whole === '' && fraction === '')) {
    return { ok: false, error: 'Enter a number, e.g. 12.50' };
  }
  if (fraction.length > exp) {
    return {
      ok: false,
      error:
        exp === 0 ? `${currency} has no decimals` : `At most ${exp} decimal${exp === 1 ? '' : 's'} for ${currency}`,
    };
  }
  const minorText = (whole.replace(/^0+(?=\d)/, '') || '0') + fraction.padEnd(exp, '0');
  const amount = Number(minorText);
  if (!Number.isSafeInteger(amount)) return { ok: false, error: 'That amount is too large' };
  if (amount === 0 && !options.allowZero) return { ok: false, error: 'The amount must be more than zero' };
  return { ok: true, amount };
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}
