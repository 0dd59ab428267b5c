import { SandboxGateway, SANDBOX_CARDS } from '../src/adapters/payment/sandbox-gateway.js';
import { paymentGatewayContract } from './payment-gateway.contract.js';

paymentGatewayContract('sandbox', () => new SandboxGateway(), {
  stateful: true,
  async pay(gateway, intentId) {
    const outcome = await (gateway as SandboxGateway).confirmCard(
      intentId,
      { amount: 0, currency: 'EUR' },
      SANDBOX_CARDS.succeeds,
    );
    if (outcome.status !== 'succeeded') throw new Error('sandbox test card refused');
  },
});
