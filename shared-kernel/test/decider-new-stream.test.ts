/**
 * executeCommand with `newStream`: a stream named by an id minted for the command is not
 * read before the append. Were the stream not new after all, the append's expectation (no
 * stream) fails and the command is decided again on what the stream holds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/adapters/event-store/sqlite-event-store.js';
import {
  createCommandRuntime,
  executeCommand,
  systemClock,
  type CommandContext,
  type Decider,
  type EventOf,
} from '../src/index.js';
import { ReadCountingEventStore } from './support/read-counting-event-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decider-new-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OFFERING = '01900000-0000-7000-8000-0000000000bb';
const STREAM = `inventory-${OFFERING}`;

type Adjusted = EventOf<'StockAdjusted', { offeringId: string; delta: number; stock: number }>;
const stockDecider: Decider<{ add: number }, { total: number }, Adjusted> = {
  initialState: { total: 0 },
  decide: (c, s) => [{ type: 'StockAdjusted', data: { offeringId: OFFERING, delta: c.add, stock: s.total + c.add } }],
  evolve: (s, e) => ({ total: s.total + e.data.delta }),
};
const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'c-1', causationId: 'c-1' };

describe('executeCommand on a new stream', () => {
  const open: SqliteEventStore[] = [];
  let files = 0;
  const make = () => {
    const s = new SqliteEventStore({ path: path.join(dir, `store-${files++}.sqlite`) });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('appends without reading the stream', async () => {
    const store = new ReadCountingEventStore(make());
    const runtime = createCommandRuntime(store, systemClock);
    const result = await executeCommand(runtime, STREAM, stockDecider, { add: 3 }, ctx, { newStream: true });
    expect(store.reads).toBe(0);
    expect(result.revision).toBe(0n);
    expect(result.state).toEqual({ total: 3 });
    expect((await store.readStream(STREAM)).map((e) => e.data)).toEqual([{ offeringId: OFFERING, delta: 3, stock: 3 }]);
  });

  it('a stream that was not new after all is read and the command decided on its events', async () => {
    const inner = make();
    // another writer (another runtime, so no shared cache) got there first
    await executeCommand(createCommandRuntime(inner, systemClock), STREAM, stockDecider, { add: 5 }, ctx);
    const store = new ReadCountingEventStore(inner);
    const runtime = createCommandRuntime(store, systemClock);
    const result = await executeCommand(runtime, STREAM, stockDecider, { add: 2 }, ctx, { newStream: true });
    expect(store.reads).toBeGreaterThan(0);
    expect(result.revision).toBe(1n);
    expect(result.state).toEqual({ total: 7 });
    expect((await inner.readStream(STREAM)).map((e) => e.data)).toEqual([
      { offeringId: OFFERING, delta: 5, stock: 5 },
      { offeringId: OFFERING, delta: 2, stock: 7 },
    ]);
  });

  it('a stream this runtime already wrote is taken from its cache, not assumed empty', async () => {
    const store = new ReadCountingEventStore(make());
    const runtime = createCommandRuntime(store, systemClock);
    await executeCommand(runtime, STREAM, stockDecider, { add: 1 }, ctx, { newStream: true });
    const second = await executeCommand(runtime, STREAM, stockDecider, { add: 1 }, ctx, { newStream: true });
    expect(second.revision).toBe(1n);
    expect(second.state).toEqual({ total: 2 });
  });
});
