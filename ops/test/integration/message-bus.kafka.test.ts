/**
 * The message bus contract against a real Kafka broker (`ops/infra/up.sh kafka`, or the
 * integration tier, sets KAFKA_BROKERS). Skipped without it.
 */
import { describe } from 'vitest';
import { KafkaBus } from '@booking/shared-kernel/adapters';
import { messageBusContract } from '../../../shared-kernel/test/message-bus.contract.js';

const brokers = process.env.KAFKA_BROKERS;

describe.skipIf(!brokers)('KafkaBus (integration)', () => {
  messageBusContract(
    'kafka',
    async () => new KafkaBus({ brokers: brokers!.split(','), clientId: 'integration-contract' }),
    { waitMs: 30_000 },
  );
});
