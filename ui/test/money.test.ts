// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { formatMoney, minorUnitExponent, parseMoney, toMajorString } from '../src/lib/money';

describe('toMajorString', () => {
  it('places the decimal point by the currency exponent, exactly', () => {
    expect(toMajorString(1999, 'EUR')).toBe('19.99');
    expect(toMajorString(5, 'USD')).toBe('0.05');
    expect(toMajorString(0, 'GBP')).toBe('0.00');
    expect(toMajorString(-250, 'USD')).toBe('-2.50');
    expect(toMajorString(1500, 'JPY')).toBe('1500');
    expect(toMajorString(1234, 'KWD')).toBe('1.234');
    expect(toMajorString(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('90071992547409.91');
  });

  it('refuses fractional minor units', () => {
    expect(() => toMajorString(1.5, 'EUR')).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('formats minor units with Intl by currency', () => {
    expect(formatMoney({ amount: 1800, currency: 'EUR' }, 'en-US')).toBe('€18.00');
    expect(formatMoney({ amount: 2999, currency: 'USD' }, 'en-US')).toBe('$29.99');
    expect(formatMoney({ amount: 3200, currency: 'GBP' }, 'en-GB')).toBe('£32.00');
    expect(formatMoney({ amount: 1500, currency: 'JPY' }, 'en-US')).toBe('¥1,500');
    expect(formatMoney({ amount: 1234, currency: 'KWD' }, 'en-US')).toMatch(/1\.234/);
  });

  it('uses the locale’s own separators', () => {
    expect(formatMoney({ amount: 123456, currency: 'EUR' }, 'de-DE').replace(/\s/g, ' ')).toBe('1.234,56 €');
  });

  it('stays exact beyond what doubles hold in cents', () => {
    // 2^53 - 1 cents; as a double divided by 100 this would round
    expect(formatMoney({ amount: 9007199254740991, currency: 'USD' }, 'en-US')).toBe('$90,071,992,547,409.91');
  });
});

describe('parseMoney', () => {
  const ok = (input: string, currency = 'EUR') => {
    const r = parseMoney(input, currency);
    if (!r.ok) throw new Error(`expected ${input} to parse: ${r.error}`);
    return r.amount;
  };

  it('turns major-unit text into integer minor units without float drift', () => {
    expect(ok('19.99')).toBe(1999);
    expect(ok('0.1')).toBe(10);
    expect(ok('0.29')).toBe(29); // 0.29 * 100 = 28.999999999999996 as floats
    expect(ok('1.15')).toBe(115); // 1.15 * 100 = 114.99999999999999 as floats
    expect(ok('4.35')).toBe(435); // 4.35 * 100 = 434.99999999999994 as floats
  });

  it('accepts whole numbers, one decimal, and both decimal separators', () => {
    expect(ok('12')).toBe(1200);
    expect(ok('12.5')).toBe(1250);
    expect(ok('12,50')).toBe(1250);
    expect(ok(' 7 ')).toBe(700);
    expect(ok('.5')).toBe(50);
    expect(ok('007.10')).toBe(710);
  });

  it('understands thousands separators', () => {
    expect(ok('1,234.56')).toBe(123456);
    expect(ok('1.234,56')).toBe(123456);
    expect(ok('1 234,56')).toBe(123456);
    expect(ok('1,234,567')).toBe(123456700);
    expect(ok('1,234')).toBe(123400);
  });

  it('follows the currency’s exponent', () => {
    expect(ok('1500', 'JPY')).toBe(1500);
    expect(ok('1.234', 'KWD')).toBe(1234);
    expect(parseMoney('12.5', 'JPY')).toEqual({ ok: false, error: 'JPY has no decimals' });
    expect(parseMoney('12.345', 'EUR')).toEqual({ ok: false, error: 'At most 2 decimals for EUR' });
  });

  it('refuses what is not a positive amount', () => {
    expect(parseMoney('', 'EUR').ok).toBe(false);
    expect(parseMoney('abc', 'EUR').ok).toBe(false);
    expect(parseMoney('1e3', 'EUR').ok).toBe(false);
    expect(parseMoney('-5', 'EUR')).toEqual({ ok: false, error: 'The amount cannot be negative' });
    expect(parseMoney('0', 'EUR').ok).toBe(false);
    expect(parseMoney('0', 'EUR', { allowZero: true })).toEqual({ ok: true, amount: 0 });
    expect(parseMoney('99999999999999999', 'EUR')).toEqual({ ok: false, error: 'That amount is too large' });
  });

  it('round-trips with toMajorString', () => {
    for (const amount of [1, 10, 99, 100, 101, 1999, 123456789]) {
      expect(ok(toMajorString(amount, 'USD'), 'USD')).toBe(amount);
    }
  });

  it('knows the exponents that differ from two', () => {
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('BHD')).toBe(3);
    expect(minorUnitExponent('EUR')).toBe(2);
  });
});
