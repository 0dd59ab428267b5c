/**
 * A platform on MongoDB (FerretDB) read models with Kafka between the relay and the
 * reactors, each run in its own database and topic/group namespace.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startHarness, type Harness } from '../../test-support/harness.js';

export const kafkaBrokers = process.env.KAFKA_BROKERS;
export const mongodbUrl = process.env.MONGODB_URL;

export interface KafkaHarness extends Harness {
  namespace: string;
}

/** `mongo: false` keeps the read models embedded (the test is about the bus only) */
export async function startKafkaHarness(
  env: Record<string, string> = {},
  options: { mongo?: boolean } = {},
): Promise<KafkaHarness> {
  const namespace = `it-${randomUUID().slice(0, 8)}`;
  const h = await startHarness({
    env: {
      KAFKA_BROKERS: kafkaBrokers!,
      KAFKA_TOPIC_PREFIX: `${namespace}.`,
      ...(options.mongo === false
        ? {}
        : { MONGODB_URL: mongodbUrl!, MONGODB_DB: namespace.replace(/[^A-Za-z0-9_]/g, '_') }),
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
  });
  return Object.assign(h, { namespace });
}

export async function dropDatabase(namespace: string): Promise<void> {
  const client = await MongoClient.connect(mongodbUrl!);
  try {
    await client.db(namespace.replace(/[^A-Za-z0-9_]/g, '_')).dropDatabase();
  } finally {
    await client.close();
  }
}
