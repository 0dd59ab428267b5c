/**
 * The schedulers' due reads declare the ranged index they need, once per physical
 * collection (a projection rebuild moves a read model to a new collection), again after a
 * failed declaration; on the embedded store a due read after a restart then reads only the
 * due items, without loading the collection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  createCommandRuntime,
  createLogger,
  ManualClock,
  SandboxGateway,
  type Collection,
  type Doc,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { LazyDocuments } from '../../shared-kernel/src/adapters/document-store/lazy-documents.js';
import { DueReads } from '../src/reactors/due-reads.js';
import { HoldExpiryScheduler } from '../src/reactors/hold-expiry.js';
import type { CapacityHoldDoc } from '../src/read-models.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'due-reads-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('DueReads.indexed', () => {
  const store = new EmbeddedDocumentStore({ path: ':memory:' });
  afterAll(() => store.close());

  it('declares the ranged index once per collection, and again after a failed declaration', async () => {
    const reads = new DueReads();
    const holds = store.collection<Doc & { state: string }>('holds');
    const ensure = vi.spyOn(holds, 'ensureIndex');
    const query = (c: Collection<Doc & { state: string }>) => c.find({ state: 'held' });
    await reads.indexed(holds, { state: 1, at: 1 }, query);
    await reads.indexed(holds, { state: 1, at: 1 }, query);
    expect(ensure.mock.calls).toEqual([[{ state: 1, at: 1 }, { ranged: true }]]);

    // a rebuilt read model lives in another collection: declared there too
    const rebuilt = store.collection<Doc & { state: string }>('holds__v2');
    const ensureRebuilt = vi.spyOn(rebuilt, 'ensureIndex').mockRejectedValueOnce(new Error('server away'));
    await expect(reads.indexed(rebuilt, { state: 1, at: 1 }, query)).rejects.toThrow('server away');
    await reads.indexed(rebuilt, { state: 1, at: 1 }, query);
    expect(ensureRebuilt).toHaveBeenCalledTimes(2);
  });
});

describe('HoldExpiryScheduler after a restart', () => {
  it('reads the due holds without loading every hold ever made', async () => {
    const file = path.join(dir, 'read-models.sqlite');
    const first = new EmbeddedDocumentStore({ path: file });
    const holds = first.collection<CapacityHoldDoc>('capacity_holds');
    for (let i = 0; i < 300; i++) {
      await holds.upsertAt(
        `hold-${i}`,
        {
          $set: {
            streamId: 'inventory-x',
            offeringId: 'x',
            bookingId: `booking-${i}`,
            quantity: 1,
            state: 'confirmed',
            expiresAt: '2026-11-26T09:00:00.000Z',
          },
        },
        String(i + 1).padStart(20, '0'),
      );
    }
    // the first start after the upgrade declares the index, filled from the stored holds
    const clock = new ManualClock(new Date('2026-11-26T10:00:00Z'));
    const events = new SqliteEventStore({ path: ':memory:' });
    const deps = (docs: EmbeddedDocumentStore) => ({
      runtime: createCommandRuntime(events, clock),
      docs,
      clock,
      logger: createLogger({ level: 'silent' }),
      gateway: new SandboxGateway(),
    });
    await first.flush();
    expect(await new HoldExpiryScheduler(deps(first)).fireDue()).toBe(0);
    await first.close();

    const loads = vi.spyOn(LazyDocuments.prototype, 'whenComplete');
    const restarted = new EmbeddedDocumentStore({ path: file });
    try {
      expect(await new HoldExpiryScheduler(deps(restarted)).fireDue()).toBe(0);
      expect(loads).not.toHaveBeenCalled();
    } finally {
      await restarted.close();
      await events.close();
    }
  });
});
