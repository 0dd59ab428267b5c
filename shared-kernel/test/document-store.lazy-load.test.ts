import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../src/adapters/document-store/embedded-document-store.js';
import { LazyDocuments, LOAD_PAGE, type DocumentSource } from '../src/adapters/document-store/lazy-documents.js';
import type { Doc } from '../src/ports/document-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docstore-lazy-'));
let files = 0;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pos = (n: number) => String(n).padStart(20, '0');

interface Booking extends Doc {
  status: string;
  n: number;
}

/** A store whose file already holds bookings b1..b5 (n = 1..5) and one audit entry. */
async function reopenedStore(open: EmbeddedDocumentStore[]): Promise<{ file: string; store: EmbeddedDocumentStore }> {
  const file = path.join(dir, `store-${++files}.sqlite`);
  const first = new EmbeddedDocumentStore({ path: file });
  for (let n = 1; n <= 5; n++) {
    await first.collection<Booking>('bookings').upsertAt(`b${n}`, { $set: { status: 'PENDING', n } }, pos(n));
  }
  await first.collection('audit').upsertAt('a1', { $set: { n: 1 } }, pos(1));
  await first.saveCheckpoint('bookings', pos(5));
  await first.close();
  const store = new EmbeddedDocumentStore({ path: file });
  open.push(store);
  return { file, store };
}

describe('EmbeddedDocumentStore reads stored documents on first use', () => {
  const open: EmbeddedDocumentStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('a document read by id before any scan is the stored one, and scans still see every document', async () => {
    const { store } = await reopenedStore(open);
    const bookings = store.collection<Booking>('bookings');
    expect(await bookings.get('b3')).toEqual({ _id: 'b3', _pos: pos(3), status: 'PENDING', n: 3 });
    expect(await bookings.get('nope')).toBeNull();
    expect((await bookings.find({}, { sort: { n: 1 } })).map((b) => b._id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    expect(await store.getCheckpoint('bookings')).toBe(pos(5));
  });

  it('writes before the first scan win over the stored documents, and re-applied positions are skipped', async () => {
    const { store } = await reopenedStore(open);
    const bookings = store.collection<Booking>('bookings');
    expect(await bookings.upsertAt('b2', { $set: { status: 'CONFIRMED' } }, pos(2))).toBe(false);
    expect(await bookings.upsertAt('b2', { $set: { status: 'CONFIRMED' } }, pos(6))).toBe(true);
    expect(await bookings.upsertAt('b6', { $set: { status: 'PENDING', n: 6 } }, pos(7))).toBe(true);
    const all = await bookings.find({}, { sort: { n: 1 } });
    expect(all.map((b) => [b._id, b.status])).toEqual([
      ['b1', 'PENDING'],
      ['b2', 'CONFIRMED'],
      ['b3', 'PENDING'],
      ['b4', 'PENDING'],
      ['b5', 'PENDING'],
      ['b6', 'PENDING'],
    ]);
    expect(await bookings.count({ status: 'PENDING' })).toBe(5);
  });

  it('a stored document deleted before the first scan stays deleted, in memory and after reopening', async () => {
    const { file, store } = await reopenedStore(open);
    const bookings = store.collection<Booking>('bookings');
    expect(await bookings.deleteAt('b4', pos(9))).toBe(true);
    expect(await bookings.get('b4')).toBeNull();
    expect((await bookings.find({})).map((b) => b._id).sort()).toEqual(['b1', 'b2', 'b3', 'b5']);
    await store.close();
    const again = new EmbeddedDocumentStore({ path: file });
    open.push(again);
    expect(await again.collection<Booking>('bookings').count({})).toBe(4);
    expect(await again.collection<Booking>('bookings').get('b4')).toBeNull();
  });

  it('dropping a collection that was never read drops its stored documents too', async () => {
    const { file, store } = await reopenedStore(open);
    const bookings = store.collection<Booking>('bookings');
    await bookings.drop();
    expect(await bookings.get('b1')).toBeNull();
    expect(await bookings.find({})).toEqual([]);
    await bookings.upsertAt('b9', { $set: { status: 'PENDING', n: 9 } }, pos(9));
    await store.close();
    const again = new EmbeddedDocumentStore({ path: file });
    open.push(again);
    expect((await again.collection<Booking>('bookings').find({})).map((b) => b._id)).toEqual(['b9']);
    // the other collection was not touched
    expect(await again.collection('audit').get('a1')).toMatchObject({ n: 1 });
  });

  it('insertMany refuses an id that is stored but not read yet', async () => {
    const { store } = await reopenedStore(open);
    await expect(store.collection<Booking>('bookings').insertMany([{ _id: 'b5', status: 'X', n: 0 }])).rejects.toThrow(
      /duplicate key/,
    );
  });

  it('a unique index declared after reopening covers the stored documents', async () => {
    const { store } = await reopenedStore(open);
    const bookings = store.collection<Booking>('bookings');
    await bookings.ensureIndex({ n: 1 }, { unique: true });
    await expect(bookings.upsertAt('b7', { $set: { status: 'PENDING', n: 2 } }, pos(8))).rejects.toThrow(
      /duplicate key/,
    );
  });
});

describe('LazyDocuments', () => {
  /** a source that counts what it is asked */
  function countingSource(rows: Record<string, number>) {
    const asked = { one: 0, all: 0, pages: 0 };
    const source: DocumentSource<number> = {
      one(id) {
        asked.one++;
        return rows[id];
      },
      all() {
        asked.all++;
        return Object.entries(rows);
      },
      page(afterId, limit) {
        asked.pages++;
        return Object.entries(rows)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .filter(([id]) => afterId === null || id > afterId)
          .slice(0, limit);
      },
    };
    return { source, asked };
  }

  it('reads nothing until asked, one row for a lookup, every row once for a scan', () => {
    const { source, asked } = countingSource({ a: 1, b: 2, c: 3 });
    const docs = new LazyDocuments(source);
    expect(asked).toEqual({ one: 0, all: 0, pages: 0 });
    expect(docs.get('b')).toBe(2);
    expect(docs.get('b')).toBe(2);
    expect(asked).toEqual({ one: 1, all: 0, pages: 0 });
    docs.set('d', 4);
    expect([...docs.values()].sort()).toEqual([1, 2, 3, 4]);
    expect(docs.size).toBe(4);
    expect([...docs.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(asked.all).toBe(1);
    // complete now: a miss is not looked up
    expect(docs.get('zzz')).toBeUndefined();
    expect(asked.one).toBe(1);
  });

  it('a row deleted or replaced before the scan is not brought back by it', () => {
    const { source } = countingSource({ a: 1, b: 2, c: 3 });
    const docs = new LazyDocuments(source);
    expect(docs.delete('a')).toBe(true);
    expect(docs.delete('nope')).toBe(false);
    docs.set('b', 20);
    expect(docs.has('a')).toBe(false);
    expect(Object.fromEntries(docs)).toEqual({ b: 20, c: 3 });
  });

  it('loads slice by slice for a query, keeping what was written or deleted meanwhile', async () => {
    const rows = Object.fromEntries(Array.from({ length: 4500 }, (_, i) => [`k${String(i).padStart(5, '0')}`, i]));
    const { source, asked } = countingSource(rows);
    // yield after every page, however fast the machine reads
    const docs = new LazyDocuments(source, { sliceMs: 0 });
    const loading = docs.whenComplete();
    expect(loading).not.toBeNull();
    // the first slice is read at once; these land before the later slices are read
    docs.delete('k04000');
    docs.set('k04001', -1);
    docs.set('new', 99);
    expect(docs.whenComplete()).toBe(loading);
    await loading;
    expect(docs.whenComplete()).toBeNull();
    expect(asked.pages).toBe(Math.floor(4500 / LOAD_PAGE) + 1);
    expect(asked.all).toBe(0);
    expect(docs.size).toBe(4500);
    expect(docs.get('k04000')).toBeUndefined();
    expect(docs.get('k04001')).toBe(-1);
    expect(docs.get('new')).toBe(99);
    expect(docs.get('k00042')).toBe(42);
  });

  it('clear forgets the stored rows as well', () => {
    const { source, asked } = countingSource({ a: 1 });
    const docs = new LazyDocuments(source);
    docs.clear();
    expect(docs.get('a')).toBeUndefined();
    expect(docs.size).toBe(0);
    expect(asked).toEqual({ one: 0, all: 0, pages: 0 });
  });
});
