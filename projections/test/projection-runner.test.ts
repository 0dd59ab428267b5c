/**
 * The projection runner flushes as soon as it has caught up (a live event is readable
 * without waiting for the flush interval), and with `exclusiveWriter` its merged counter
 * increments are in the read model and its checkpoint when a reader is told so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  newId,
  sortablePosition,
  streams,
  systemClock,
  toNewEvents,
  type CommandContext,
  type Doc,
  type DocumentStore,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { ProjectionRunner } from '../src/runtime/projection-runner.js';
import type { AnyDecoded, Projector } from '../src/runtime/projector.js';

interface StockTotals extends Doc {
  events: number;
  delta: number;
}

/** Counts stock adjustments into one document: every event increments the same counters. */
const stockTotals: Projector = {
  name: 'stock-totals',
  eventTypes: new Set(['StockAdjusted']),
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    if (event.type !== 'StockAdjusted') return;
    await docs
      .collection<StockTotals>('stock_totals')
      .upsertAt('all', { $inc: { events: 1, delta: event.data.delta } }, pos);
  },
};

const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'c', causationId: 'c' };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(exclusiveWriter: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'projection-runner-'));
  const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
  const docs = new EmbeddedDocumentStore({ path: ':memory:' });
  // an interval far beyond the test's waits: only the caught-up flush can make events readable
  const runner = new ProjectionRunner(store, docs, [stockTotals], createLogger({ level: 'silent' }), {
    flushIntervalMs: 600_000,
    exclusiveWriter,
  });
  cleanups.push(async () => {
    await runner.stop();
    await docs.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await runner.start();
  const offeringId = newId();
  const adjust = async (deltas: number[]) => {
    const events = deltas.map((delta) => ({
      type: 'StockAdjusted' as const,
      data: { offeringId, delta, stock: 100 + delta },
    }));
    return store.append(streams.inventory(offeringId), toNewEvents(events, ctx, systemClock), 'any');
  };
  return { store, docs, runner, adjust };
}

describe('ProjectionRunner', () => {
  for (const exclusiveWriter of [false, true]) {
    it(`makes events readable once caught up, not after the flush interval (exclusiveWriter: ${exclusiveWriter})`, async () => {
      const { docs, runner, adjust } = await setUp(exclusiveWriter);
      let expected = { events: 0, delta: 0 };
      for (const deltas of [[5], [1, 2, 3], [-4], [7, 7]]) {
        const appended = await adjust(deltas);
        expected = { events: expected.events + deltas.length, delta: expected.delta + deltas.reduce((a, b) => a + b) };
        expect(await runner.waitFor(appended.position, 10_000)).toBe(true);
        expect(await docs.collection<StockTotals>('stock_totals').get('all')).toMatchObject(expected);
        expect(await docs.getCheckpoint('stock-totals')).toBe(sortablePosition(runner.appliedPosition()));
      }
    });
  }
});

/** Handles an event type these tests never append: its read model never changes. */
const idle: Projector = {
  name: 'idle',
  eventTypes: new Set(['BookingPlaced']),
  async apply(): Promise<void> {
    throw new Error('no BookingPlaced is appended in these tests');
  },
};

/** A document store that refuses every call once `crashed` (a process that died). */
function crashable(inner: DocumentStore): DocumentStore & { crashed: boolean } {
  const check = () => {
    if (store.crashed) throw new Error('crashed');
  };
  const store = {
    crashed: false,
    collection: <T extends Doc>(name: string) => {
      const c = inner.collection<T>(name);
      return {
        name: c.name,
        get: async (id: string) => (check(), c.get(id)),
        upsertAt: async (...a: Parameters<typeof c.upsertAt>) => (check(), c.upsertAt(...a)),
        deleteAt: async (id: string, position: string) => (check(), c.deleteAt(id, position)),
        find: async (...a: Parameters<typeof c.find>) => (check(), c.find(...a)),
        count: async (...a: Parameters<typeof c.count>) => (check(), c.count(...a)),
        groupSum: async (...a: Parameters<typeof c.groupSum>) => (check(), c.groupSum(...a)),
        ensureIndex: async (...a: Parameters<typeof c.ensureIndex>) => (check(), c.ensureIndex(...a)),
        drop: async () => (check(), c.drop()),
        insertMany: async (docs: readonly T[]) => (check(), c.insertMany(docs)),
      };
    },
    getCheckpoint: async (name: string) => (check(), inner.getCheckpoint(name)),
    saveCheckpoint: async (name: string, position: string) => (check(), inner.saveCheckpoint(name, position)),
    flush: async () => (check(), inner.flush()),
    close: async () => (check(), inner.close()),
  };
  return store;
}

/** What a process opening the file now would find: the committed checkpoints and totals. */
async function committed(file: string) {
  const view = new EmbeddedDocumentStore({ path: file });
  try {
    return {
      totals: await view.collection<StockTotals>('stock_totals').get('all'),
      stockTotals: await view.getCheckpoint('stock-totals'),
      idle: await view.getCheckpoint('idle'),
    };
  } finally {
    await view.close();
  }
}

/** the adjustments and the per-event checkpoint a restart would find in the file */
async function committedRows(file: string): Promise<{ adjustments: number; checkpoint: string | null }> {
  const db = new Database(file, { readonly: true });
  try {
    const adjustments = db
      .prepare("SELECT count(*) FROM documents WHERE collection = 'adjustments'")
      .pluck()
      .get() as number;
    const checkpoint = db.prepare("SELECT position FROM checkpoints WHERE projector = 'per-event'").pluck().get() as
      string | undefined;
    return { adjustments, checkpoint: checkpoint ?? null };
  } finally {
    db.close();
  }
}

async function eventually<T>(check: () => Promise<T | null>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ProjectionRunner checkpoints and commits', () => {
  const logger = createLogger({ level: 'silent' });
  async function files() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'projection-runner-'));
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    cleanups.push(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const offeringId = newId();
    const adjust = async (deltas: number[]) => {
      const events = deltas.map((delta) => ({
        type: 'StockAdjusted' as const,
        data: { offeringId, delta, stock: 100 + delta },
      }));
      return (await store.append(streams.inventory(offeringId), toNewEvents(events, ctx, systemClock), 'any')).position;
    };
    return { store, adjust, docsFile: path.join(dir, 'read-models.sqlite') };
  }

  it('saves a checkpoint only when its projector moved; the file stays consistent and a restart after a crash applies each event once', async () => {
    const { store, adjust, docsFile } = await files();
    const first = new EmbeddedDocumentStore({ path: docsFile });
    const docs = crashable(first);
    // nothing is due by time in this test: only what the runner does per flush is seen
    const options = {
      exclusiveWriter: true,
      flushIntervalMs: 600_000,
      checkpointEveryMs: 600_000,
      commitEveryMs: 600_000,
    };
    const runner = new ProjectionRunner(store, docs, [stockTotals, idle], logger, options);
    await runner.start();

    const p1 = await adjust([5]);
    expect(await runner.waitFor(p1, 10_000)).toBe(true);
    // readable at once; the projector that applied it has its checkpoint saved, the idle one not
    expect(await first.collection<StockTotals>('stock_totals').get('all')).toMatchObject({ events: 1, delta: 5 });
    expect(await first.getCheckpoint('stock-totals')).toBe(sortablePosition(p1));
    expect(await first.getCheckpoint('idle')).toBeNull();
    expect(await committed(docsFile)).toEqual({ totals: null, stockTotals: null, idle: null });

    // an explicit flush saves every checkpoint that moved and commits
    await runner.flush();
    expect(await committed(docsFile)).toMatchObject({
      totals: { events: 1, delta: 5 },
      stockTotals: sortablePosition(p1),
      idle: sortablePosition(p1),
    });

    const p2 = await adjust([1, 2]);
    expect(await runner.waitFor(p2, 10_000)).toBe(true);
    expect(await first.collection<StockTotals>('stock_totals').get('all')).toMatchObject({ events: 3, delta: 8 });
    expect(await first.getCheckpoint('idle')).toBe(sortablePosition(p1));
    // not committed yet: the file still holds the read model with the checkpoint that covers it
    expect(await committed(docsFile)).toMatchObject({
      totals: { events: 1, delta: 5 },
      stockTotals: sortablePosition(p1),
    });

    // the process dies: what was not committed is lost
    docs.crashed = true;
    await expect(runner.stop()).rejects.toThrow('crashed');

    const second = new EmbeddedDocumentStore({ path: docsFile });
    cleanups.push(async () => {
      await second.close();
      await first.close();
    });
    const restarted = new ProjectionRunner(store, second, [stockTotals, idle], logger, options);
    await restarted.start();
    expect(await restarted.waitFor(p2, 10_000)).toBe(true);
    expect(await second.collection<StockTotals>('stock_totals').get('all')).toMatchObject({ events: 3, delta: 8 });
    const p3 = await adjust([4]);
    expect(await restarted.waitFor(p3, 10_000)).toBe(true);
    await restarted.stop();
    // a graceful stop commits everything, every checkpoint included
    expect(await committed(docsFile)).toMatchObject({
      totals: { events: 4, delta: 12 },
      stockTotals: sortablePosition(p3),
      idle: sortablePosition(p3),
    });
  });

  it('commits, and saves the checkpoints of projectors that applied nothing, once they are due', async () => {
    const { store, adjust, docsFile } = await files();
    const docs = new EmbeddedDocumentStore({ path: docsFile });
    const runner = new ProjectionRunner(store, docs, [stockTotals, idle], logger, {
      exclusiveWriter: true,
      flushIntervalMs: 600_000,
      commitEveryMs: 20,
      checkpointEveryMs: 60,
    });
    cleanups.push(async () => {
      await runner.stop();
      await docs.close();
    });
    await runner.start();
    const p1 = await adjust([3]);
    expect(await runner.waitFor(p1, 10_000)).toBe(true);
    // no further event comes: the due flushes happen on their own
    const seen = await eventually(async () => {
      const c = await committed(docsFile);
      return c.idle === sortablePosition(p1) ? c : null;
    });
    expect(seen).toMatchObject({ totals: { events: 1, delta: 3 }, stockTotals: sortablePosition(p1) });
  });

  it('commits a catch-up on the flush writer while it goes on; failed commits are written by a later one', async () => {
    const { store, adjust, docsFile } = await files();
    /** one document per event, as the audit index: every batch hands the writer many rows */
    const perEvent: Projector = {
      name: 'per-event',
      eventTypes: new Set(['StockAdjusted']),
      async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
        if (event.type !== 'StockAdjusted') return;
        await docs
          .collection('adjustments')
          .upsertAt(event.metadata.eventId, { $set: { delta: event.data.delta } }, pos);
      },
    };
    let head = await adjust(Array.from({ length: 400 }, (_, i) => i));
    const docs = new EmbeddedDocumentStore({ path: docsFile, backgroundFlushRows: 10 });
    // the file's table is away: every commit of the catch-up fails
    const other = new Database(docsFile);
    other.exec('ALTER TABLE documents RENAME TO documents_away');
    const runner = new ProjectionRunner(store, docs, [perEvent, stockTotals], logger, {
      exclusiveWriter: true,
      batchSize: 50,
    });
    cleanups.push(async () => {
      await runner.stop();
      await docs.close();
    });
    await runner.start();
    await eventually(async () => (runner.appliedPosition().commit >= head.commit ? true : null));
    // applied and readable, not committed
    expect(await docs.collection('adjustments').count()).toBe(400);
    expect(other.prepare('SELECT count(*) FROM documents_away').pluck().get()).toBe(0);
    expect(other.prepare('SELECT count(*) FROM checkpoints').pluck().get()).toBe(0);

    other.exec('ALTER TABLE documents_away RENAME TO documents');
    other.close();
    head = await adjust(Array.from({ length: 100 }, (_, i) => i));
    expect(await runner.waitFor(head, 10_000)).toBe(true);
    await runner.flush();
    expect(await committedRows(docsFile)).toEqual({ adjustments: 500, checkpoint: sortablePosition(head) });
  });

  it('saves every checkpoint that moved on every flush into a shared store (other processes follow them)', async () => {
    const { store, adjust } = await files();
    const docs = new EmbeddedDocumentStore({ path: ':memory:' });
    const runner = new ProjectionRunner(store, docs, [stockTotals, idle], logger, { flushIntervalMs: 600_000 });
    cleanups.push(async () => {
      await runner.stop();
      await docs.close();
    });
    await runner.start();
    const p1 = await adjust([2]);
    expect(await runner.waitFor(p1, 10_000)).toBe(true);
    expect(await docs.getCheckpoint('stock-totals')).toBe(sortablePosition(p1));
    expect(await docs.getCheckpoint('idle')).toBe(sortablePosition(p1));
  });
});
