import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../src/adapters/event-store/postgres-event-store.js';
import { START } from '../src/ports/event-store.js';
import { eventStoreContract, newEvent } from './event-store.contract.js';

const url = process.env.POSTGRES_URL;

// The PostgreSQL adapter needs a running server, which `npm test` does not start.
// `npm run test:integration` starts one (ops/infra/up.sh postgres) and sets POSTGRES_URL;
// by hand:  eval "$(ops/infra/up.sh postgres)" && npx vitest run shared-kernel/test/event-store.postgres
// The contract uses random stream names, so a shared database is fine; the specifics
// below use a fresh schema each.
const schema = (): string => `es_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

describe.skipIf(!url)('PostgresEventStore (POSTGRES_URL)', () => {
  eventStoreContract('PostgresEventStore', async () =>
    PostgresEventStore.connect({ connectionString: url!, urlVariable: 'POSTGRES_URL', pollIntervalMs: 100 }),
  );

  describe('PostgresEventStore specifics', () => {
    it('positions are 1, 2, 3... in a fresh schema', async () => {
      const store = await PostgresEventStore.connect({ connectionString: url!, schema: schema() });
      try {
        expect(await store.headPosition()).toEqual(START);
        await store.append('a', [newEvent(), newEvent()], 'no_stream');
        await store.append('b', [newEvent()], 'no_stream');
        expect((await store.readAll()).map((e) => e.position.commit)).toEqual([1n, 2n, 3n]);
      } finally {
        await store.close();
      }
    });

    it('groups concurrent appends into few transactions, positions in call order', async () => {
      const store = await PostgresEventStore.connect({ connectionString: url!, schema: schema() });
      try {
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.append(`gc-${i}`, [newEvent()], 'no_stream')),
        );
        expect(store.stats().transactions).toBeLessThanOrEqual(3);
        const commits = results.map((r) => r.position.commit);
        expect(commits).toEqual([...commits].sort((a, b) => (a < b ? -1 : 1)));
      } finally {
        await store.close();
      }
    });

    it('a subscription in another store instance is woken by NOTIFY, not by polling', async () => {
      const s = schema();
      const reader = await PostgresEventStore.connect({ connectionString: url!, schema: s, pollIntervalMs: 60_000 });
      const writer = await PostgresEventStore.connect({ connectionString: url!, schema: s, pollIntervalMs: 60_000 });
      try {
        const sub = reader.subscribeToAll();
        const next = sub[Symbol.asyncIterator]().next();
        await new Promise((r) => setTimeout(r, 300)); // LISTEN is established
        const t0 = Date.now();
        await writer.append('n', [newEvent()], 'no_stream');
        expect((await next).done).toBe(false);
        expect(Date.now() - t0).toBeLessThan(2_000);
        await sub.close();
      } finally {
        await Promise.all([reader.close(), writer.close()]);
      }
    });

    it('a writer holding the append lock delays later appends: positions follow commit order', async () => {
      const s = schema();
      const store = await PostgresEventStore.connect({ connectionString: url!, schema: s, pollIntervalMs: 50 });
      const slow = new pg.Client({ connectionString: url! });
      await slow.connect();
      try {
        await store.append('first', [newEvent()], 'no_stream');
        // a "slow writer" takes the append lock and keeps its transaction open
        await slow.query('BEGIN');
        await slow.query(`SELECT pg_advisory_xact_lock(hashtext('es-append:' || $1::text)::bigint)`, [s]);
        let done = false;
        const later = store.append('later', [newEvent()], 'no_stream').then((r) => ((done = true), r));
        await new Promise((r) => setTimeout(r, 300));
        expect(done).toBe(false); // it waits: no position is handed out past an open writer
        expect((await store.readAll()).map((e) => e.streamId)).toEqual(['first']);
        await slow.query('COMMIT');
        expect((await later).position.commit).toBe(2n);
      } finally {
        await slow.end();
        await store.close();
      }
    });

    it('an unreachable server gives a clear error naming the variable', async () => {
      const error = await PostgresEventStore.connect({
        connectionString: 'postgres://nobody@127.0.0.1:1/none',
        urlVariable: 'EVENTSTORE_URL',
        connectTimeoutMs: 2_000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^EVENTSTORE_URL: cannot use the PostgreSQL event store at 127\.0\.0\.1:1\/none/,
      );
    });
  });
});
