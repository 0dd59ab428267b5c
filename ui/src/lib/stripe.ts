/**
 * Stripe.js, loaded only when the deployment takes card payments through Stripe: the
 * `pure` entry of @stripe/stripe-js adds Stripe's script on the first call, not on import.
 */
import type { Stripe } from '@stripe/stripe-js';

let pending: { key: string; stripe: Promise<Stripe | null> } | null = null;

export function loadStripeJs(publishableKey: string): Promise<Stripe | null> {
  if (pending?.key !== publishableKey) {
    pending = {
      key: publishableKey,
      stripe: import('@stripe/stripe-js/pure').then(({ loadStripe }) => loadStripe(publishableKey)),
    };
  }
  return pending.stripe;
}
