/**
 * Chooses each port's adapter from the configuration: the embedded defaults need no
 * setup; URLs switch to the production adapters.
 */
import path from 'node:path';
import type { Config, DocumentStore, EventStore, Logger, SnapshotStore } from '@booking/shared-kernel';
import {
  EmbeddedDocumentStore,
  EventStoreDbEventStore,
  MongoDocumentStore,
  PostgresEventStore,
  SqliteEventStore,
} from '@booking/shared-kernel/adapters';

export function openEventStore(config: Pick<Config, 'eventStoreUrl' | 'dataDir'>): EventStore {
  const url = config.eventStoreUrl;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    // connects lazily; an unreachable server fails every call with an error naming EVENTSTORE_URL
    // (use openEventStoreChecked to fail at start instead)
    return new PostgresEventStore({ connectionString: url, urlVariable: 'EVENTSTORE_URL' });
  }
  if (url) return new EventStoreDbEventStore({ connectionString: url });
  return new SqliteEventStore({ path: path.join(config.dataDir, 'events.sqlite') });
}

/**
 * Where command-side snapshots live: the SQLite event store keeps them in its own file.
 * The EventStoreDB and PostgreSQL adapters keep none (their commands fold from events;
 * only inventory streams grow long, and their StateCache entries stay warm while busy).
 */
export function openSnapshotStore(eventStore: EventStore): SnapshotStore | undefined {
  return eventStore instanceof SqliteEventStore ? eventStore.snapshots() : undefined;
}

/** Like openEventStore, but a server-backed store must answer first (fails at start, naming the variable). */
export async function openEventStoreChecked(config: Pick<Config, 'eventStoreUrl' | 'dataDir'>): Promise<EventStore> {
  const store = openEventStore(config);
  if (store instanceof PostgresEventStore) {
    try {
      await store.ready();
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
  }
  return store;
}

/** @param logger gets the MongoDB driver's server-monitoring and pool events */
export async function openDocumentStore(
  config: Pick<Config, 'mongodbUrl' | 'mongodbDb' | 'dataDir'>,
  logger?: Logger,
): Promise<DocumentStore> {
  if (config.mongodbUrl) {
    return MongoDocumentStore.connect(config.mongodbUrl, config.mongodbDb, {
      logger: logger?.child({ component: 'read-model-store' }),
    });
  }
  return new EmbeddedDocumentStore({ path: path.join(config.dataDir, 'read-models.sqlite') });
}

/**
 * What a projection rebuild stages its read models in: an empty in-memory store when the
 * read models live in MongoDB (3,150 events rebuilt into FerretDB at 1,010 events/s staged
 * vs 104 written directly), none for the embedded store, which is in memory already
 * (staging there only adds the copy: 1,212 vs 2,015 events/s).
 */
export function rebuildStaging(config: Pick<Config, 'mongodbUrl'>): (() => DocumentStore) | undefined {
  return config.mongodbUrl ? () => new EmbeddedDocumentStore({ path: ':memory:' }) : undefined;
}
