/**
 * Chooses each port's adapter from the configuration: the embedded defaults need no
 * setup; URLs switch to the production adapters.
 */
import path from 'node:path';
import type { Config, DocumentStore, EventStore } from '@booking/shared-kernel';
import {
  EmbeddedDocumentStore, EventStoreDbEventStore, MongoDocumentStore, SqliteEventStore,
} from '@booking/shared-kernel/adapters';

export function openEventStore(config: Pick<Config, 'eventStoreUrl' | 'dataDir'>): EventStore {
  if (config.eventStoreUrl) return new EventStoreDbEventStore({ connectionString: config.eventStoreUrl });
  return new SqliteEventStore({ path: path.join(config.dataDir, 'events.sqlite') });
}

export async function openDocumentStore(config: Pick<Config, 'mongodbUrl' | 'mongodbDb' | 'dataDir'>): Promise<DocumentStore> {
  if (config.mongodbUrl) return MongoDocumentStore.connect(config.mongodbUrl, config.mongodbDb);
  return new EmbeddedDocumentStore({ path: path.join(config.dataDir, 'read-models.sqlite') });
}
