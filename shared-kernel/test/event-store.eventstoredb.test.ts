import { describe } from 'vitest';
import { EventStoreDbEventStore } from '../src/adapters/event-store/eventstoredb-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

const url = process.env.EVENTSTORE_URL;

// The EventStoreDB adapter needs a running server, which `npm test` does not start.
// Run it against one with, e.g.:
//   EVENTSTORE_URL='esdb://localhost:2113?tls=false' npx vitest run shared-kernel/test/event-store.eventstoredb.test.ts
// (a server started with --insecure; otherwise put admin credentials in the URL: reading
// $all needs them). The suite uses random stream names, so a shared server is fine.
describe.skipIf(!url)('EventStoreDbEventStore (EVENTSTORE_URL)', () => {
  eventStoreContract(
    'EventStoreDbEventStore',
    async () => new EventStoreDbEventStore({ connectionString: url!, resubscribeInitialDelayMs: 100 }),
    // EventStoreDB has no global event id index: an id reused in another stream is stored;
    // and no transaction across streams, so the adapter has no appendToStreams
    { rejectsEventIdsOfOtherStreams: false, appendsToStreamsAtomically: false },
  );
});
