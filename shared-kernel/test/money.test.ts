import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import {
  addMoney,
  formatMoney,
  isCurrency,
  minorUnitExponent,
  money,
  multiplyMoney,
  subtractMoney,
} from '../src/primitives/money.js';

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('money()', () => {
  it('holds integer minor units and a currency', () => {
    expect(money(1250, 'EUR')).toEqual({ amount: 1250, currency: 'EUR' });
    expect(money(0, 'JPY')).toEqual({ amount: 0, currency: 'JPY' });
    expect(money(-300, 'USD')).toEqual({ amount: -300, currency: 'USD' });
    expect(money(Number.MAX_SAFE_INTEGER, 'KWD').amount).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([12.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'refuses %s: only integer minor units',
    (amount) => {
      const error = validationError(() => money(amount, 'EUR'));
      expect(error.errors).toEqual([{ field: 'amount', message: 'amount must be an integer number of minor units' }]);
    },
  );

  it.each(['XYZ', 'eur', 'EURO', '', 'E1R'])('refuses the currency %j', (currency) => {
    const error = validationError(() => money(100, currency));
    expect(error.errors.map((e) => e.field)).toEqual(['currency']);
    expect(error.message).toContain(currency);
  });

  it('knows ISO 4217 codes', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('KWD')).toBe(true);
    expect(isCurrency('XXX')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
  });

  it('knows the minor unit exponents', () => {
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('USD')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('KRW')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
    expect(minorUnitExponent('BHD')).toBe(3);
  });
});

describe('arithmetic', () => {
  it('adds and subtracts in the same currency', () => {
    expect(addMoney(money(1250, 'EUR'), money(750, 'EUR'))).toEqual({ amount: 2000, currency: 'EUR' });
    expect(subtractMoney(money(1250, 'EUR'), money(750, 'EUR'))).toEqual({ amount: 500, currency: 'EUR' });
    expect(subtractMoney(money(750, 'EUR'), money(1250, 'EUR'))).toEqual({ amount: -500, currency: 'EUR' });
  });

  it('refuses to add or subtract different currencies', () => {
    expect(() => addMoney(money(100, 'EUR'), money(100, 'USD'))).toThrow(RangeError);
    expect(() => addMoney(money(100, 'EUR'), money(100, 'USD'))).toThrow('currency mismatch: EUR vs USD');
    expect(() => subtractMoney(money(100, 'JPY'), money(100, 'KRW'))).toThrow('currency mismatch: JPY vs KRW');
  });

  it('multiplies by an integer factor only', () => {
    expect(multiplyMoney(money(1800, 'EUR'), 3)).toEqual({ amount: 5400, currency: 'EUR' });
    expect(multiplyMoney(money(1800, 'EUR'), 0)).toEqual({ amount: 0, currency: 'EUR' });
    expect(() => multiplyMoney(money(1800, 'EUR'), 1.5)).toThrow(RangeError);
  });

  it('an overflow past safe integers is refused', () => {
    validationError(() => multiplyMoney(money(Number.MAX_SAFE_INTEGER, 'EUR'), 2));
    validationError(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'EUR'), money(1, 'EUR')));
  });
});

describe('formatMoney', () => {
  it.each<[number, string, string]>([
    [1250, 'EUR', '12.50 EUR'],
    [5, 'EUR', '0.05 EUR'],
    [0, 'EUR', '0.00 EUR'],
    [100, 'USD', '1.00 USD'],
    [123456789, 'GBP', '1234567.89 GBP'],
    [1234, 'JPY', '1234 JPY'],
    [0, 'JPY', '0 JPY'],
    [1500, 'KWD', '1.500 KWD'],
    [5, 'KWD', '0.005 KWD'],
    [12345, 'BHD', '12.345 BHD'],
    [-1250, 'EUR', '-12.50 EUR'],
    [-5, 'EUR', '-0.05 EUR'],
    [-300, 'JPY', '-300 JPY'],
    [-1, 'KWD', '-0.001 KWD'],
  ])('%i %s -> %s', (amount, currency, text) => {
    expect(formatMoney(money(amount, currency))).toBe(text);
  });
});
