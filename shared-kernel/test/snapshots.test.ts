import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/adapters/event-store/sqlite-event-store.js';
import {
  createCommandRuntime,
  createLogger,
  executeCommand,
  loadState,
  systemClock,
  type CommandContext,
  type Decider,
  type EventOf,
  type EventStore,
  type SnapshotCodec,
  type SnapshotSettings,
  type SnapshotStore,
  type StoredSnapshot,
} from '../src/index.js';
import { ReadCountingEventStore } from './support/read-counting-event-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshots-'));
let files = 0;
const tempPath = (): string => path.join(dir, `store-${process.pid}-${files++}.sqlite`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OFFERING = '01900000-0000-7000-8000-0000000000aa';
const STREAM = `inventory-${OFFERING}`;

// A small decider whose streams get snapshots: a stock counter fed by StockAdjusted.
type Adjusted = EventOf<'StockAdjusted', { offeringId: string; delta: number; stock: number }>;
interface Stock {
  readonly total: number;
  readonly adjustments: number;
}
const stockCodec: SnapshotCodec<Stock> = {
  schema: 'test-stock/1',
  serialise: (s) => ({ total: s.total, adjustments: s.adjustments }),
  deserialise(json) {
    const j = json as Partial<Stock> | null;
    if (typeof j?.total !== 'number' || typeof j.adjustments !== 'number') throw new TypeError('not a stock snapshot');
    return { total: j.total, adjustments: j.adjustments };
  },
};
const stockDecider: Decider<{ add: number }, Stock, Adjusted> = {
  initialState: { total: 0, adjustments: 0 },
  decide: (c, s) => [{ type: 'StockAdjusted', data: { offeringId: OFFERING, delta: c.add, stock: s.total + c.add } }],
  evolve: (s, e) => ({ total: s.total + e.data.delta, adjustments: s.adjustments + 1 }),
  snapshot: stockCodec,
};
const { snapshot: _codec, ...stockWithoutSnapshots } = stockDecider;

const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'c-1', causationId: 'c-1' };

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', role: 'test', destination }) };
}

const settings = (store: SnapshotStore, every: number, charsPerEvent = 1_000_000): SnapshotSettings => ({
  store,
  every,
  charsPerEvent,
  logger: createLogger({ level: 'silent' }),
});

/** Lets the snapshot written after the last command reach the store. */
const snapshotsSettle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

async function addMany(store: EventStore, snapshots: SnapshotSettings | undefined, n: number): Promise<void> {
  const runtime = createCommandRuntime(store, systemClock, 5, undefined, snapshots);
  for (let i = 1; i <= n; i++) await executeCommand(runtime, STREAM, stockDecider, { add: i }, ctx);
  await snapshotsSettle();
}

describe('snapshots on the command side', () => {
  const open: SqliteEventStore[] = [];
  const make = (file = tempPath()): SqliteEventStore => {
    const s = new SqliteEventStore({ path: file });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('a cold load after a snapshot reads only the events after it and equals a full fold', async () => {
    const file = tempPath();
    const first = make(file);
    await addMany(first, settings(first.snapshots(), 10), 25);
    const snap = await first.snapshots().load(STREAM, stockCodec.schema);
    // written after revision 9 (10 events) and 19 (10 more); the last 5 wait for the next
    expect(snap?.revision).toBe(19n);
    await first.close();

    // a restarted process: empty cache, same file
    const reopened = make(file);
    const recording = new ReadCountingEventStore(reopened);
    const cold = createCommandRuntime(recording, systemClock, 5, undefined, settings(reopened.snapshots(), 10));
    const loaded = await loadState(cold, STREAM, stockDecider);
    expect(recording.eventsRead).toBe(5);

    const full = await loadState(createCommandRuntime(reopened, systemClock), STREAM, stockWithoutSnapshots);
    expect(loaded).toEqual(full);
    expect(full).toEqual({ state: { total: (25 * 26) / 2, adjustments: 25 }, revision: 24n });

    // and commands go on from there
    const after = await executeCommand(cold, STREAM, stockDecider, { add: 100 }, ctx);
    expect(after.state).toEqual({ total: 425, adjustments: 26 });
    expect(after.revision).toBe(25n);
  });

  it('a snapshot that cannot be read is logged and the whole stream is folded', async () => {
    const store = make();
    await addMany(store, undefined, 12);
    await store.snapshots().save({ streamId: STREAM, schema: stockCodec.schema, revision: 8n, state: '{"total":' });
    const { lines, logger } = capturedLogger();
    const recording = new ReadCountingEventStore(store);
    const runtime = createCommandRuntime(recording, systemClock, 5, undefined, {
      ...settings(store.snapshots(), 1000),
      logger,
    });
    const loaded = await loadState(runtime, STREAM, stockDecider);
    expect(recording.eventsRead).toBe(12);
    expect(loaded).toEqual({ state: { total: 78, adjustments: 12 }, revision: 11n });
    expect(lines.find((l) => l.msg === 'snapshot unusable; folding the stream from its start')).toMatchObject({
      level: 40,
      streamId: STREAM,
      schema: 'test-stock/1',
    });
  });

  it("a state the codec refuses, or another decider's schema, is not used", async () => {
    const store = make();
    await addMany(store, undefined, 6);
    await store.snapshots().save({ streamId: STREAM, schema: stockCodec.schema, revision: 3n, state: '{"total":"x"}' });
    const recording = new ReadCountingEventStore(store);
    const runtime = createCommandRuntime(recording, systemClock, 5, undefined, settings(store.snapshots(), 1000));
    expect((await loadState(runtime, STREAM, stockDecider)).state).toEqual({ total: 21, adjustments: 6 });
    expect(recording.eventsRead).toBe(6);

    // version 2 of the decider ignores what version 1 wrote
    await store.snapshots().save({
      streamId: STREAM,
      schema: stockCodec.schema,
      revision: 4n,
      state: JSON.stringify({ total: 15, adjustments: 5 }),
    });
    const v2 = { ...stockDecider, snapshot: { ...stockCodec, schema: 'test-stock/2' } };
    const fresh = new ReadCountingEventStore(store);
    const v2Runtime = createCommandRuntime(fresh, systemClock, 5, undefined, settings(store.snapshots(), 1000));
    expect((await loadState(v2Runtime, STREAM, v2)).state).toEqual({ total: 21, adjustments: 6 });
    expect(fresh.eventsRead).toBe(6);
  });

  it('snapshots are not events: the log, its head and the stream stay as they were', async () => {
    const store = make();
    await addMany(store, settings(store.snapshots(), 3), 10);
    expect((await store.snapshots().load(STREAM, stockCodec.schema))?.revision).toBe(8n);
    const all = await store.readAll();
    expect(all).toHaveLength(10);
    expect(all.every((e) => e.type === 'StockAdjusted' && e.streamId === STREAM)).toBe(true);
    expect((await store.headPosition()).commit).toBe(10n);
    expect(await store.readStream(STREAM)).toHaveLength(10);
  });

  it('a snapshot never replaces a later one; a new schema drops the old ones of the stream', async () => {
    const store = make();
    const snapshots = store.snapshots();
    const at = (revision: bigint, schema = 'x/1'): StoredSnapshot => ({
      streamId: STREAM,
      schema,
      revision,
      state: JSON.stringify({ revision: String(revision) }),
    });
    await snapshots.save(at(10n));
    await snapshots.save(at(5n));
    expect(await snapshots.load(STREAM, 'x/1')).toEqual(at(10n));
    await snapshots.save(at(11n));
    expect(await snapshots.load(STREAM, 'x/1')).toEqual(at(11n));
    expect(await snapshots.load('other-stream', 'x/1')).toBeUndefined();
    await snapshots.save(at(12n, 'x/2'));
    expect(await snapshots.load(STREAM, 'x/1')).toBeUndefined();
    expect(await snapshots.load(STREAM, 'x/2')).toEqual(at(12n, 'x/2'));
    await expect(snapshots.save(at(-1n))).rejects.toThrow(RangeError);
  });

  it('waits longer between snapshots as they grow, one event per charsPerEvent characters', async () => {
    const store = make();
    const saved: bigint[] = [];
    const inner = store.snapshots();
    const counting: SnapshotStore = {
      load: (s, schema) => inner.load(s, schema),
      save: async (s) => {
        saved.push(s.revision);
        await inner.save(s);
      },
    };
    // the codec's JSON is ~26 characters: at 2 characters per event a stream waits 13 events, not 5
    await addMany(store, settings(counting, 5, 2), 40);
    expect(saved[0]).toBe(4n);
    expect(saved.slice(1).every((r, i) => r - saved[i]! >= 13n)).toBe(true);
    expect(saved.length).toBeGreaterThanOrEqual(2);
  });

  it('a snapshot that fails to save is logged; the command it followed has succeeded', async () => {
    const store = make();
    const { lines, logger } = capturedLogger();
    const failing: SnapshotStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error('disk full');
      },
    };
    const runtime = createCommandRuntime(store, systemClock, 5, undefined, { ...settings(failing, 1), logger });
    const result = await executeCommand(runtime, STREAM, stockDecider, { add: 2 }, ctx);
    const second = await executeCommand(runtime, STREAM, stockDecider, { add: 3 }, ctx);
    await snapshotsSettle();
    expect(result.revision).toBe(0n);
    expect(second.state).toEqual({ total: 5, adjustments: 2 });
    expect(lines.filter((l) => l.msg === 'could not save a snapshot; loads fold more events')).not.toHaveLength(0);
  });
});
