import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteEventStore } from '../src/adapters/event-store/sqlite-event-store.js';
import {
  DuplicateEventIdError,
  START,
  WrongExpectedRevisionError,
  type AppendResult,
  type RecordedEvent,
} from '../src/ports/event-store.js';
import { eventStoreContract, newEvent } from './event-store.contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-event-store-'));
let files = 0;
const tempPath = (): string => path.join(dir, `store-${process.pid}-${files++}.sqlite`);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

eventStoreContract('SqliteEventStore', async () => new SqliteEventStore({ path: tempPath(), pollIntervalMs: 50 }));

eventStoreContract('SqliteEventStore (:memory:)', async () => new SqliteEventStore({ path: ':memory:' }));

describe('SqliteEventStore specifics', () => {
  const open: SqliteEventStore[] = [];
  const make = (file = tempPath(), pollIntervalMs = 50, subscriptionPageSize?: number): SqliteEventStore => {
    const s = new SqliteEventStore({
      path: file,
      pollIntervalMs,
      ...(subscriptionPageSize ? { subscriptionPageSize } : {}),
    });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('uses WAL with synchronous=FULL and creates a missing folder', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'events.sqlite');
    const store = make(file);
    await store.append('s', [newEvent()], 'no_stream');
    expect(fs.existsSync(file)).toBe(true);
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = (other.pragma('table_info(events)') as { name: string }[]).map((c) => c.name);
      expect(columns).toEqual([
        'position',
        'stream_id',
        'revision',
        'event_id',
        'type',
        'data',
        'metadata',
        'recorded_at',
      ]);
      expect(other.prepare('SELECT stream_id, revision FROM streams').all()).toEqual([{ stream_id: 's', revision: 0 }]);
    } finally {
      other.close();
    }
  });

  it('positions are the global sequence: START when empty, then 1, 2, 3...', async () => {
    const store = make();
    expect(await store.headPosition()).toEqual(START);
    expect(await store.readAll()).toEqual([]);
    const r = await store.append('a', [newEvent(), newEvent()], 'no_stream');
    expect(r.position).toEqual({ commit: 2n, prepare: 2n });
    await store.append('b', [newEvent()], 'no_stream');
    expect(await store.headPosition()).toEqual({ commit: 3n, prepare: 3n });
    expect((await store.readAll()).map((e) => e.position.commit)).toEqual([1n, 2n, 3n]);
    expect((await store.readAll({ after: START })).length).toBe(3);
  });

  describe('group commit', () => {
    it('writes 100 concurrent appends in far fewer transactions, positions in call order', async () => {
      const store = make();
      const before = store.stats().transactions;
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.append(`gc-${i}`, [newEvent()], 'no_stream')),
      );
      const stats = store.stats();
      expect(stats.transactions - before).toBeLessThanOrEqual(2);
      expect(stats.maxBatch).toBeGreaterThanOrEqual(50);
      expect(stats.events).toBe(100);
      const commits = results.map((r) => r.position.commit);
      expect(commits).toEqual([...commits].sort((a, b) => (a < b ? -1 : 1)));
      expect(new Set(commits).size).toBe(100);
    });

    it('keeps batching while writers await their previous append', async () => {
      const store = make();
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          let expected: bigint | 'no_stream' = 'no_stream';
          for (let i = 0; i < 10; i++) {
            expected = (await store.append(`w-${w}`, [newEvent()], expected)).nextExpectedRevision;
          }
        }),
      );
      const stats = store.stats();
      expect(stats.appends).toBe(320);
      expect(stats.transactions).toBeLessThanOrEqual(20);
    });

    it('checks each queued append on its own: a failure rejects only its own promise', async () => {
      const store = make();
      const taken = newEvent();
      await store.append('owner', [taken], 'no_stream');
      await store.append('existing', [newEvent()], 'no_stream');
      const tx = store.stats().transactions;

      const outcomes = await Promise.allSettled([
        store.append('ok-1', [newEvent()], 'no_stream'),
        store.append('existing', [newEvent()], 'no_stream'), // wrong revision
        store.append('thief', [newEvent(), taken], 'any'), // id of another stream
        store.append('ok-2', [newEvent(), newEvent()], 'no_stream'),
        store.append('existing', [newEvent()], 0n),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
      expect(store.stats().transactions - tx).toBe(1); // one transaction, one fsync, re-run with savepoints
      expect(store.stats().slowFlushes).toBe(1);
      expect(await store.readStream('thief')).toEqual([]);
      expect(await store.readStream('ok-2')).toHaveLength(2);
      expect((await store.readStream('existing')).map((e) => e.revision)).toEqual([0n, 1n]);
    });

    it('appends to one stream in one batch see each other, in queue order', async () => {
      const store = make();
      const tx = store.stats().transactions;
      const [first, second, stale, again, fourth] = await Promise.allSettled([
        store.append('seq', [newEvent()], 'no_stream'),
        store.append('seq', [newEvent(), newEvent()], 0n),
        store.append('seq', [newEvent()], 0n),
        store.append('seq', [newEvent()], 'no_stream'),
        store.append('seq', [newEvent()], 'stream_exists'),
      ]);
      expect(store.stats().transactions - tx).toBe(1);
      expect((first as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision).toBe(0n);
      expect((second as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision).toBe(2n);
      expect((stale as PromiseRejectedResult).reason).toMatchObject({ actual: 2n });
      expect((again as PromiseRejectedResult).reason).toMatchObject({ actual: 2n });
      expect((fourth as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision).toBe(3n);
    });

    it('an idempotent retry in the same batch as the original returns the same result', async () => {
      const store = make();
      const batch = [newEvent(), newEvent()];
      const [a, b] = await Promise.all([
        store.append('idem', batch, 'no_stream'),
        store.append('idem', batch, 'no_stream'),
      ]);
      expect(b).toEqual(a);
      expect(await store.readStream('idem')).toHaveLength(2);
    });

    it('an appendToStreams joins the batch of the appends queued with it: one transaction', async () => {
      const store = make();
      await store.append('taken', [newEvent()], 'no_stream');
      const tx = store.stats().transactions;
      const outcomes = await Promise.allSettled([
        store.append('single-1', [newEvent()], 'no_stream'),
        store.appendToStreams([
          { streamId: 'pair-1a', events: [newEvent()], expectedRevision: 'no_stream' },
          { streamId: 'pair-1b', events: [newEvent(), newEvent()], expectedRevision: 'no_stream' },
        ]),
        store.appendToStreams([
          { streamId: 'pair-2a', events: [newEvent()], expectedRevision: 'no_stream' },
          { streamId: 'taken', events: [newEvent()], expectedRevision: 'no_stream' },
        ]),
        store.append('single-2', [newEvent()], 'no_stream'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const stats = store.stats();
      expect(stats.transactions - tx).toBe(1);
      expect(stats.slowFlushes).toBe(0); // a refused expected revision needs no savepoint
      expect((await store.readAll()).map((e) => e.streamId)).toEqual([
        'taken',
        'single-1',
        'pair-1a',
        'pair-1b',
        'pair-1b',
        'single-2',
      ]);
    });

    it('an unexpected failure in the second stream of an appendToStreams undoes the first (savepoint)', async () => {
      const store = make();
      const internals = store as unknown as { write: (p: { streamId: string }, ...rest: unknown[]) => unknown };
      const write = internals.write.bind(store);
      // as a full disk or a constraint would fail it, after the first stream's rows went in
      const spy = vi.spyOn(internals, 'write').mockImplementation((p, ...rest) => {
        if (p.streamId === 'broken') throw new Error('simulated write failure');
        return write(p, ...rest);
      });
      const before = store.stats();
      const outcomes = await Promise.allSettled([
        store.append('kept-1', [newEvent()], 'no_stream'),
        store.appendToStreams([
          { streamId: 'undone', events: [newEvent(), newEvent()], expectedRevision: 'no_stream' },
          { streamId: 'broken', events: [newEvent()], expectedRevision: 'no_stream' },
        ]),
        store.append('kept-2', [newEvent()], 'no_stream'),
      ]);
      spy.mockRestore();
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'simulated write failure' });
      const stats = store.stats();
      expect(stats.slowFlushes - before.slowFlushes).toBe(1);
      expect(stats.transactions - before.transactions).toBe(1);
      expect(stats.events - before.events).toBe(2); // the undone stream's rows are not counted
      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['kept-1', 'kept-2']);
      // the stream table was rolled back too: the stream is still new
      expect((await store.append('undone', [newEvent()], 'no_stream')).nextExpectedRevision).toBe(0n);
    });

    it('close() writes the appends still queued', async () => {
      const file = tempPath();
      const store = new SqliteEventStore({ path: file });
      const pending = store.append('late', [newEvent()], 'no_stream');
      await store.close();
      expect((await pending).nextExpectedRevision).toBe(0n);
      await expect(store.append('late', [newEvent()], 0n)).rejects.toThrow(/closed/);
      const reopened = make(file);
      expect(await reopened.readStream('late')).toHaveLength(1);
    });
  });

  it('a long append (written in several multi-row inserts) keeps order, revisions and positions', async () => {
    const store = make();
    await store.append('before', [newEvent()], 'no_stream');
    // 101 rows: chunks of 64, 32, 4 and 1
    const written = Array.from({ length: 101 }, (_, i) => newEvent('Long', { i }));
    const r = await store.append('long', written, 'no_stream');
    expect(r).toEqual({ nextExpectedRevision: 100n, position: { commit: 102n, prepare: 102n } });
    const read = await store.readStream('long');
    expect(read.map((e) => e.data)).toEqual(written.map((e) => e.data));
    expect(read.map((e) => e.metadata.eventId)).toEqual(written.map((e) => e.metadata.eventId));
    expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 101 }, (_, i) => BigInt(i)));
    expect(read.map((e) => e.position.commit)).toEqual(Array.from({ length: 101 }, (_, i) => BigInt(i + 2)));
    expect((await store.append('long', [newEvent()], 100n)).nextExpectedRevision).toBe(101n);
  });

  it('a taken id in the last chunk of a long append fails it whole; the rest of its batch is kept', async () => {
    const store = make();
    const taken = newEvent();
    await store.append('owner', [taken], 'no_stream');
    const long = [...Array.from({ length: 69 }, () => newEvent()), taken];
    const [failed, other] = await Promise.allSettled([
      store.append('long', long, 'no_stream'),
      store.append('other', [newEvent(), newEvent(), newEvent()], 'no_stream'),
    ]);
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    expect(await store.readStream('long')).toEqual([]);
    expect((other as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision).toBe(2n);
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['owner', 'other', 'other', 'other']);
  });

  it('data survives close and reopen', async () => {
    const file = tempPath();
    const first = new SqliteEventStore({ path: file });
    const written = [newEvent('Kept', { x: 1 }), newEvent('Kept', { x: 2 })];
    const r = await first.append('durable', written, 'no_stream');
    await first.close();

    const second = make(file);
    const read = await second.readStream('durable');
    expect(read.map((e) => e.data)).toEqual(written.map((e) => e.data));
    expect(read.map((e) => e.metadata)).toEqual(written.map((e) => e.metadata));
    expect(await second.headPosition()).toEqual(r.position);
    await expect(second.append('durable', [newEvent()], 0n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await second.append('durable', [newEvent()], 1n)).nextExpectedRevision).toBe(2n);
    // an idempotent retry is recognised after a restart too
    expect(await second.append('durable', written, 'no_stream')).toEqual(r);
  });

  describe('two instances on one file (another process)', () => {
    it('a subscription sees events appended by the other instance (polling)', async () => {
      const file = tempPath();
      const reader = make(file, 30);
      const writer = make(file, 30);
      const sub = reader.subscribeToAll({ filter: { streamPrefixes: ['x-'] } });
      const it = sub[Symbol.asyncIterator]();
      const firstTwo = Promise.all([it.next(), it.next()]);
      await writer.append('x-1', [newEvent('Remote')], 'no_stream');
      await writer.append('x-1', [newEvent('Remote')], 0n);
      const got = (await firstTwo).map((r) => (r.value as RecordedEvent).revision);
      expect(got).toEqual([0n, 1n]);
      await sub.close();
    });

    it('expected revisions hold across instances', async () => {
      const file = tempPath();
      const a = make(file);
      const b = make(file);
      await a.append('shared', [newEvent()], 'no_stream');
      await expect(b.append('shared', [newEvent()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      const results = await Promise.allSettled([
        a.append('shared', [newEvent()], 0n),
        b.append('shared', [newEvent()], 0n),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await a.readStream('shared')).toHaveLength(2);
    });
  });

  describe('subscriptions', () => {
    it('reads page by page, only as the consumer pulls (back-pressure)', async () => {
      const store = make(tempPath(), 50, 100);
      await store.append(
        'bp',
        Array.from({ length: 250 }, () => newEvent()),
        'no_stream',
      );
      const reads = vi.spyOn(store, 'readAllRows');
      const sub = store.subscribeToAll();
      const it = sub[Symbol.asyncIterator]();
      await it.next();
      expect(reads).toHaveBeenCalledTimes(1);
      for (let i = 1; i < 100; i++) await it.next();
      expect(reads).toHaveBeenCalledTimes(1);
      await it.next();
      expect(reads).toHaveBeenCalledTimes(2);
      await sub.close();
    });

    it('sleeps while caught up: no busy loop, a poll per interval', async () => {
      const store = make(tempPath(), 100);
      const heads = vi.spyOn(store, 'head');
      const sub = store.subscribeToAll();
      const pending = sub[Symbol.asyncIterator]().next();
      await new Promise((r) => setTimeout(r, 550));
      expect(heads.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(heads.mock.calls.length).toBeLessThanOrEqual(8);
      await sub.close();
      expect((await pending).done).toBe(true);
    });

    it('an append in this process wakes a caught-up subscription at once', async () => {
      const store = make(tempPath(), 60_000);
      const sub = store.subscribeToAll();
      const next = sub[Symbol.asyncIterator]().next();
      await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      await store.append('wake', [newEvent()], 'no_stream');
      const r = await next;
      expect(r.done).toBe(false);
      expect(Date.now() - t0).toBeLessThan(1_000);
      await sub.close();
    });

    it('closing the store ends its subscriptions', async () => {
      const store = new SqliteEventStore({ path: tempPath(), pollIntervalMs: 60_000 });
      const sub = store.subscribeToAll();
      const next = sub[Symbol.asyncIterator]().next();
      await store.close();
      expect((await next).done).toBe(true);
    });
  });

  it('validates its input', async () => {
    const store = make();
    const bad = { ...newEvent(), metadata: { ...newEvent().metadata, eventId: 'not-a-uuid' } };
    await expect(store.append('v', [bad], 'any')).rejects.toBeInstanceOf(TypeError);
    await expect(store.append('', [newEvent()], 'any')).rejects.toBeInstanceOf(TypeError);
    await expect(store.append('v', [newEvent()], -1n)).rejects.toBeInstanceOf(RangeError);
    expect(await store.readStream('v')).toEqual([]);
  });
});
