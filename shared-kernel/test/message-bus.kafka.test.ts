import { describe } from 'vitest';
import { KafkaBus } from '../src/adapters/bus/kafka-bus.js';
import { messageBusContract } from './message-bus.contract.js';

const brokers = process.env.KAFKA_BROKERS;

// Needs a real Kafka broker. The integration tier (`npm run test:integration`, or
// `ops/infra/up.sh kafka`) starts one and sets KAFKA_BROKERS; `npm test` skips this.
describe.skipIf(!brokers)('KafkaBus', () => {
  messageBusContract('kafka', async () => new KafkaBus({ brokers: brokers!.split(','), clientId: 'contract-test' }), {
    waitMs: 30_000,
  });
});
