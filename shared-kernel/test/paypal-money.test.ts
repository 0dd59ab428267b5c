import { describe, expect, it } from 'vitest';
import { fromPayPalAmount, toPayPalAmount } from '../src/adapters/payment/paypal-money.js';

describe('PayPal amounts', () => {
  it.each([
    [{ amount: 2500, currency: 'EUR' }, '25.00'],
    [{ amount: 7, currency: 'USD' }, '0.07'],
    [{ amount: 0, currency: 'GBP' }, '0.00'],
    [{ amount: 1999, currency: 'JPY' }, '1999'],
    [{ amount: 150000, currency: 'HUF' }, '1500'],
    [{ amount: 1005, currency: 'KWD' }, '1.005'],
  ])('%j <-> "%s"', (money, value) => {
    expect(toPayPalAmount(money)).toEqual({ currency_code: money.currency, value });
    expect(fromPayPalAmount({ currency_code: money.currency, value })).toEqual(money);
  });

  it('reads values with fewer decimals, or trailing zeros beyond the minor unit', () => {
    expect(fromPayPalAmount({ currency_code: 'USD', value: '100.0' })).toEqual({ amount: 10000, currency: 'USD' });
    expect(fromPayPalAmount({ currency_code: 'USD', value: '100' })).toEqual({ amount: 10000, currency: 'USD' });
    expect(fromPayPalAmount({ currency_code: 'JPY', value: '500.00' })).toEqual({ amount: 500, currency: 'JPY' });
  });

  it.each([
    [{ currency_code: 'USD', value: '1.005' }, /precision/],
    [{ currency_code: 'USD', value: '-1.00' }, /not a PayPal amount/],
    [{ currency_code: 'USD', value: '1e3' }, /not a PayPal amount/],
    [{ currency_code: 'USD', value: 12 }, /not a PayPal amount/],
    [{ currency_code: 'usd!', value: '1.00' }, /not a currency/],
  ])('refuses %j', (amount, message) => {
    expect(() => fromPayPalAmount(amount)).toThrow(message);
  });

  it('refuses what PayPal cannot take: fractions of whole-unit currencies, negative or fractional minor units', () => {
    expect(() => toPayPalAmount({ amount: 150050, currency: 'HUF' })).toThrow(/whole units/);
    expect(() => toPayPalAmount({ amount: -1, currency: 'EUR' })).toThrow(RangeError);
    expect(() => toPayPalAmount({ amount: 1.5, currency: 'EUR' })).toThrow(RangeError);
  });
});
