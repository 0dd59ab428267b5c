/**
 * The projection runner flushes as soon as it has caught up (a live event is readable
 * without waiting for the flush interval), and with `exclusiveWriter` its merged counter
 * increments are in the read model and its checkpoint when a reader is told so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
