/**
 * The embedded store's ranged indexes (ranged-index.ts) answer reads from the file while a
 * collection is not in memory: exactly what a full scan answers, through unflushed writes,
 * deletes, changed keys, odd values, v8 bodies, restarts and a crash, without loading the
 * collection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedDocumentStore } from '../src/adapters/document-store/embedded-document-store.js';
import { LazyDocuments } from '../src/adapters/document-store/lazy-documents.js';
import type { Doc, Filter, FindOptions, Update } from '../src/ports/document-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docstore-ranged-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => path.join(dir, `ranged-${++files}.sqlite`);
const pos = (n: number) => String(n).padStart(20, '0');
const minute = (m: number) => `2030-01-01T00:${String(m).padStart(2, '0')}:00.000Z`;

interface Hold extends Doc {
  state?: unknown;
  expiresAt?: unknown;
  at?: Date;
}

/** Deterministic pseudo-random numbers, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

// what the indexed fields may hold: strings, and what the index must treat as odd
const STATES: unknown[] = ['held', 'confirmed', 'released', 'held', 'held', 7, ['held', 'x'], null, { held: true }];
// keys with characters where SQLite's and JavaScript's string orders part
const WIDE = ['2030-01-01T00:05\uE000', '2030-01-01T00:05\u{1F600}', '2030-01-01T00:05\uFFFD'];

const READS: [Filter, FindOptions][] = [
  [
    { state: 'held', expiresAt: { $lte: minute(20) } },
    { sort: { expiresAt: 1 }, limit: 5 },
  ],
  [
    { state: 'held', expiresAt: { $lte: minute(40) } },
    { sort: { expiresAt: 1 }, limit: 60 },
  ],
  [
    { state: 'held', expiresAt: { $gt: minute(5), $lt: minute(50) } },
    { sort: { expiresAt: -1 }, skip: 2, limit: 3 },
  ],
  [{ state: 'held' }, { sort: { expiresAt: 1 }, limit: 7 }],
  [
    { state: { $eq: 'confirmed' }, expiresAt: { $gte: minute(10) } },
    { sort: { expiresAt: 1, _id: -1 }, limit: 4 },
  ],
  [{ state: 'held', expiresAt: { $lte: minute(30) } }, {}],
  [
    { state: 'held', expiresAt: { $lte: WIDE[0] } },
    { sort: { expiresAt: 1 }, limit: 3 },
  ],
  [{ expiresAt: { $gte: minute(55) } }, { sort: { expiresAt: -1 }, limit: 2 }],
  [
    { state: 'nobody', expiresAt: { $lte: minute(59) } },
    { sort: { expiresAt: 1 }, limit: 1 },
  ],
];
// reads the index does not serve: they load the collection, and must agree as well
const UNSERVED: Filter[] = [{ state: { $in: ['held', 'released'] } }, { expiresAt: { $exists: false } }];

describe('EmbeddedDocumentStore ranged indexes', () => {
  const open: EmbeddedDocumentStore[] = [];
  /** the flush writer thread commits flushes of at least this many documents */
  let backgroundFlushRows: number | undefined;
  const openStore = (file: string) => {
    const store = new EmbeddedDocumentStore({ path: file, backgroundFlushRows });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of open.splice(0).reverse()) await store.close();
    vi.restoreAllMocks();
    backgroundFlushRows = undefined;
  });

  // 1: every flush of the file is committed by the flush writer, and a flush not awaited
  // yet is in flight while the next reads and writes happen
  it.each([undefined, 1])(
    'answer every read exactly as a full scan does, through writes, deletes, restarts and a drop (flush writer from %s rows)',
    async (rows) => {
      backgroundFlushRows = rows;
      const file = tempFile();
      let indexed = openStore(file);
      const scanned = openStore(':memory:');
      const next = random(7);
      let p = 0;
      const both = async (write: (s: EmbeddedDocumentStore) => Promise<unknown>) => {
        await write(indexed);
        await write(scanned);
      };
      const compare = async (filters: [Filter, FindOptions][]) => {
        for (const [filter, options] of filters) {
          const label = JSON.stringify([filter, options]);
          const a = await indexed.collection<Hold>('holds').find(filter, options);
          const b = await scanned.collection<Hold>('holds').find(filter, options);
          expect(a, label).toEqual(b);
          expect(await indexed.collection('holds').count(filter), label).toBe(
            await scanned.collection('holds').count(filter),
          );
        }
      };
      const randomWrites = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const id = `h${Math.floor(next() * 80)}`;
          p++;
          if (next() < 0.12) {
            await both((s) => s.collection('holds').deleteAt(id, pos(p)));
            continue;
          }
          const r = next();
          const expiresAt =
            r < 0.05 ? WIDE[Math.floor(next() * WIDE.length)] : r < 0.08 ? 12 : minute(Math.floor(next() * 60));
          const update: Update = {
            $set: { state: STATES[Math.floor(next() * STATES.length)], expiresAt },
          };
          if (next() < 0.1) update.$set!.at = new Date(p); // a v8 body
          if (next() < 0.05) update.$unset = { expiresAt: true };
          if (update.$unset) delete update.$set!.expiresAt;
          await both((s) => s.collection('holds').upsertAt(id, update, pos(p)));
        }
      };

      await randomWrites(150);
      await indexed.flush();
      // declared over stored documents: filled from the file, in slices
      await indexed.collection('holds').ensureIndex({ state: 1, expiresAt: 1 }, { ranged: true });
      for (let round = 0; round < 6; round++) {
        // a restart: the index is not declared again, the file keeps it
        await indexed.close();
        indexed = openStore(file);
        await compare(READS);
        await randomWrites(60);
        await compare(READS); // unflushed writes
        const flushed = indexed.flush();
        await randomWrites(30);
        await compare(READS);
        await flushed;
        await indexed.flush();
        await compare(READS);
        if (round === 4) {
          await both((s) => s.collection('holds').drop());
          await randomWrites(40);
          await indexed.flush();
          await indexed.close();
          indexed = openStore(file);
          await compare(READS);
        }
      }
      await compare(UNSERVED.map((f) => [f, {}]));
    },
  );

  it('a read it serves after a restart does not load the collection; one it does not serve does', async () => {
    const file = tempFile();
    const first = openStore(file);
    const holds = first.collection<Hold>('holds');
    await holds.ensureIndex({ state: 1, expiresAt: 1 }, { ranged: true });
    for (let i = 0; i < 500; i++) {
      await holds.upsertAt(
        `h${i}`,
        { $set: { state: i % 100 ? 'confirmed' : 'held', expiresAt: minute(i % 60) } },
        pos(i + 1),
      );
    }
    await first.close();

    const loads = vi.spyOn(LazyDocuments.prototype, 'whenComplete');
    const reopened = openStore(file).collection<Hold>('holds');
    const due = await reopened.find(
      { state: 'held', expiresAt: { $lte: minute(30) } },
      { sort: { expiresAt: 1 }, limit: 2 },
    );
    expect(due.map((d) => d._id)).toEqual(['h0', 'h300']);
    expect(await reopened.count({ state: 'held' })).toBe(5);
    expect(loads).not.toHaveBeenCalled();
    expect(await reopened.count({ state: { $in: ['held'] } })).toBe(5);
    expect(loads).toHaveBeenCalled();
  });

  it('after a crash, the keys in the file are those of its documents: unflushed writes are lost with theirs', async () => {
    const file = tempFile();
    const first = openStore(file);
    const holds = first.collection<Hold>('holds');
    await holds.ensureIndex({ state: 1, expiresAt: 1 }, { ranged: true });
    await holds.upsertAt('a', { $set: { state: 'held', expiresAt: minute(1) } }, pos(1));
    await holds.upsertAt('b', { $set: { state: 'held', expiresAt: minute(2) } }, pos(2));
    await first.flush();
    // never flushed: the process "crashes"
    await holds.upsertAt('a', { $set: { state: 'released' } }, pos(3));
    await holds.upsertAt('c', { $set: { state: 'held', expiresAt: minute(0) } }, pos(4));
    await holds.deleteAt('b', pos(5));
    const read = (c: typeof holds) =>
      c.find({ state: 'held', expiresAt: { $lte: minute(9) } }, { sort: { expiresAt: 1 }, limit: 10 });
    expect((await read(holds)).map((d) => d._id)).toEqual(['c']);

    const second = openStore(file).collection<Hold>('holds');
    expect((await read(second)).map((d) => d._id)).toEqual(['a', 'b']);
    // the recovered process re-applies the events: the same answer as the first had
    await second.upsertAt('a', { $set: { state: 'released' } }, pos(3));
    await second.upsertAt('c', { $set: { state: 'held', expiresAt: minute(0) } }, pos(4));
    await second.deleteAt('b', pos(5));
    expect((await read(second)).map((d) => d._id)).toEqual(['c']);
  });

  it('refuses a unique or too wide ranged index', async () => {
    const c = openStore(':memory:').collection('c');
    await expect(c.ensureIndex({ a: 1 }, { ranged: true, unique: true })).rejects.toThrow(/unique/);
    await expect(c.ensureIndex({ a: 1, b: 1, c: 1, d: 1, e: 1 }, { ranged: true })).rejects.toThrow(/at most 4/);
  });
});
