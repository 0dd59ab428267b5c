/** The pixel's conversions for a booking, with the names and values the server forwards too. */
import { minorUnitExponent } from './money';
import { trackConversion, type ConversionDetails } from './tiktok-pixel';
import type { Booking } from './types';

export function conversionDetails(b: Booking): ConversionDetails {
  const exp = minorUnitExponent(b.total.currency);
  return {
    offeringId: b.offeringId,
    offeringTitle: b.offeringTitle,
    quantity: b.quantity,
    value: Number((b.total.amount / 10 ** exp).toFixed(exp)),
    currency: b.total.currency,
  };
}

/** Payment started: InitiateCheckout. */
export function trackCheckoutStarted(b: Booking): void {
  trackConversion('InitiateCheckout', b.id, conversionDetails(b));
}

/** Paid: Purchase (or CompletePayment, as the server is configured), and Schedule for a service. */
export function trackPaid(b: Booking, purchaseEventName: string): void {
  trackConversion(purchaseEventName, b.id, conversionDetails(b));
  if (b.kind === 'service') trackConversion('Schedule', b.id, conversionDetails(b));
}
