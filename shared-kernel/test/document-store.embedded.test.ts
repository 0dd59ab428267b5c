import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedDocumentStore } from '../src/adapters/document-store/embedded-document-store.js';
import type { Doc, DocumentStore } from '../src/ports/document-store.js';
import { documentStoreContract } from './document-store.contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docstore-'));
let files = 0;
const tempFile = () => path.join(dir, `store-${++files}.sqlite`);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** the file of each store the contract opens, so a restart can open it again */
const fileOf = new WeakMap<DocumentStore, string>();
const openFile = (file: string) => {
  const store = new EmbeddedDocumentStore({ path: file });
  fileOf.set(store, file);
  return store;
};
documentStoreContract('embedded (SQLite file)', async () => openFile(tempFile()), {
  reopen: async (store) => {
    await store.close();
    return openFile(fileOf.get(store)!);
  },
});
// every flush committed by the flush writer thread (a catch-up's large flushes are)
const openWithWriter = (file: string) => {
  const store = new EmbeddedDocumentStore({ path: file, backgroundFlushRows: 1 });
  fileOf.set(store, file);
  return store;
};
documentStoreContract('embedded (SQLite file, flush writer)', async () => openWithWriter(tempFile()), {
  reopen: async (store) => {
    await store.close();
    return openWithWriter(fileOf.get(store)!);
  },
});
documentStoreContract('embedded (:memory:)', async () => new EmbeddedDocumentStore({ path: ':memory:' }));

interface Booking extends Doc {
  status?: string;
  seats?: number;
  at?: Date;
}

describe('EmbeddedDocumentStore persistence', () => {
  const open: EmbeddedDocumentStore[] = [];
  const openStore = (file: string) => {
    const store = new EmbeddedDocumentStore({ path: file });
    open.push(store);
    return store;
  };

  afterEach(async () => {
    // close in reverse order: the "crashed" first instance is closed last
    for (const store of open.reverse()) await store.close();
    open.length = 0;
  });

  it('data and checkpoints survive close and reopen after flush', async () => {
    const file = tempFile();
    const a = openStore(file);
    const bookings = a.collection<Booking>('bookings');
    const at = new Date('2030-01-02T03:04:05.678Z');
    await bookings.upsertAt('b1', { $set: { status: 'held', at }, $inc: { seats: 2 } }, '0001');
    await bookings.upsertAt('b2', { $set: { status: 'paid' } }, '0002');
    await bookings.upsertAt('b3', { $set: { status: 'gone' } }, '0002');
    await bookings.deleteAt('b3', '0003');
    await a.collection('other').upsertAt('o1', { $set: { x: 1 } }, '0003');
    await a.saveCheckpoint('bookings', '0003');
    await a.flush();
    await a.close();

    const b = openStore(file);
    expect(await b.getCheckpoint('bookings')).toBe('0003');
    const reopened = b.collection<Booking>('bookings');
    expect(await reopened.get('b1')).toEqual({
      _id: 'b1',
      _pos: '0001',
      status: 'held',
      at,
      seats: 2,
    });
    expect((await reopened.get('b1'))!.at).toBeInstanceOf(Date);
    expect(await reopened.get('b3')).toBeNull();
    expect(await reopened.count()).toBe(2);
    expect(await b.collection('other').get('o1')).toMatchObject({ x: 1 });
    // positions are remembered: replaying an applied event changes nothing
    expect(await reopened.upsertAt('b1', { $inc: { seats: 2 } }, '0001')).toBe(false);
    expect(await reopened.upsertAt('b1', { $inc: { seats: 1 } }, '0004')).toBe(true);
    expect(await reopened.get('b1')).toMatchObject({ seats: 3 });
  });

  it('a crash loses unflushed writes together with their checkpoint', async () => {
    const file = tempFile();
    const first = openStore(file);
    const bookings = first.collection<Booking>('bookings');
    await bookings.upsertAt('b1', { $set: { status: 'held' }, $inc: { seats: 1 } }, '0001');
    await first.saveCheckpoint('bookings', '0001');
    await first.flush();

    // written after the last flush: must not be visible after a crash
    await bookings.upsertAt('b1', { $set: { status: 'paid' }, $inc: { seats: 1 } }, '0002');
    await bookings.upsertAt('b2', { $set: { status: 'held' } }, '0003');
    await first.saveCheckpoint('bookings', '0003');
    expect(await first.getCheckpoint('bookings')).toBe('0003');

    // "crash": another process opens the file while the first never flushed again
    const second = openStore(file);
    expect(await second.getCheckpoint('bookings')).toBe('0001');
    const recovered = second.collection<Booking>('bookings');
    expect(await recovered.get('b1')).toEqual({
      _id: 'b1',
      _pos: '0001',
      status: 'held',
      seats: 1,
    });
    expect(await recovered.get('b2')).toBeNull();
    // resuming from the checkpoint re-applies 0002 and 0003 exactly once
    expect(await recovered.upsertAt('b1', { $set: { status: 'paid' }, $inc: { seats: 1 } }, '0002')).toBe(true);
    expect(await recovered.upsertAt('b2', { $set: { status: 'held' } }, '0003')).toBe(true);
    expect(await recovered.get('b1')).toMatchObject({
      status: 'paid',
      seats: 2,
    });
  });

  it('checkpoints alone are also only persisted by flush', async () => {
    const file = tempFile();
    const first = openStore(file);
    await first.saveCheckpoint('p', '0009');
    expect(await openStore(file).getCheckpoint('p')).toBeNull();
    await first.flush();
    expect(await openStore(file).getCheckpoint('p')).toBe('0009');
  });

  it('drop is persisted at the next flush', async () => {
    const file = tempFile();
    const a = openStore(file);
    const c = a.collection('c');
    await c.upsertAt('x', { $set: { v: 1 } }, '0001');
    await c.upsertAt('y', { $set: { v: 1 } }, '0001');
    await a.flush();
    await c.drop();
    expect(await openStore(file).collection('c').count()).toBe(2);
    await c.upsertAt('z', { $set: { v: 2 } }, '0001');
    await a.saveCheckpoint('c', '0001');
    await a.flush();
    const b = openStore(file);
    expect((await b.collection('c').find()).map((d) => d._id)).toEqual(['z']);
    expect(await b.getCheckpoint('c')).toBe('0001');
  });

  it('close flushes pending writes', async () => {
    const file = tempFile();
    const a = new EmbeddedDocumentStore({ path: file });
    await a.collection('c').upsertAt('x', { $set: { v: 1 } }, '0001');
    await a.saveCheckpoint('c', '0001');
    await a.close();
    await a.close(); // idempotent
    await expect(a.flush()).rejects.toThrow(/closed/);
    const b = openStore(file);
    expect(await b.collection('c').get('x')).toMatchObject({ v: 1 });
    expect(await b.getCheckpoint('c')).toBe('0001');
  });

  it('a unique index declared after reopening checks the loaded documents', async () => {
    const file = tempFile();
    const a = openStore(file);
    await a.collection('users').upsertAt('u1', { $set: { email: 'a@x' } }, '0001');
    await a.collection('users').upsertAt('u2', { $set: { email: 'a@x' } }, '0001');
    await a.flush();
    const users = openStore(file).collection('users');
    await expect(users.ensureIndex({ email: 1 }, { unique: true })).rejects.toThrow(/users.*email/);
  });

  it('creates the directory of its file', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'store.sqlite');
    const store = openStore(file);
    await store.collection('c').upsertAt('x', {}, '0001');
    await store.flush();
    expect(fs.existsSync(file)).toBe(true);
  });
});
