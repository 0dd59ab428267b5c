/**
 * Loads a server's client SDK the first time an adapter needs it. Every adapter is
 * exported from one index, so without this the embedded defaults would load the MongoDB,
 * EventStoreDB, Postgres, Kafka, S3, Stripe... SDKs at every start (about 1.5 s of the
 * platform's start-up on this machine) without ever talking to those servers.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
