import { describe, expect, it } from 'vitest';
import { StripeGateway } from '../src/adapters/payment/stripe-gateway.js';
import { paymentGatewayContract } from './payment-gateway.contract.js';

const apiUrl = process.env.STRIPE_API_URL;

// Needs stripe-mock (`ops/infra/up.sh stripe-mock`, then STRIPE_API_URL=http://127.0.0.1:12111)
// or a Stripe test account (STRIPE_API_URL=https://api.stripe.com with STRIPE_SECRET_KEY=sk_test_…).
// stripe-mock is stateless, so the suite runs with `stateful: false`; `npm test` skips this.
describe.skipIf(!apiUrl)('StripeGateway', () => {
  const sent: string[] = [];
  const make = () =>
    new StripeGateway({
      secretKey: process.env.STRIPE_SECRET_KEY ?? 'sk_test_123',
      apiUrl: apiUrl!,
      maxNetworkRetries: 0,
      onRequest: (r) => {
        if (r.idempotencyKey) sent.push(r.idempotencyKey);
      },
    });
  paymentGatewayContract('stripe', make, { stateful: false, sentIdempotencyKeys: () => sent });

  it('sends what Stripe validates: amount and currency from the booking, automatic payment methods, our ids as metadata', async () => {
    // stripe-mock checks every parameter against Stripe's OpenAPI spec: a wrong name or type is a 400
    const gateway = make();
    const intent = await gateway.createIntent({
      paymentId: '01900000-0000-7000-8000-000000000001',
      bookingId: '01900000-0000-7000-8000-000000000001',
      amount: { amount: 1999, currency: 'JPY' },
      idempotencyKey: 'payment-x',
    });
    expect(intent.intentId).toMatch(/^pi_/);
    await expect(gateway.retrieve('pi_does_not_matter')).resolves.toMatchObject({ status: 'requires_payment_method' });
  });
});
