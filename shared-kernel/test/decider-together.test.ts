/**
 * executeCommandsTogether: two commands on two streams, decided on their own states and
 * stored in one atomic append, retried together on a conflict; on a store without
 * `appendToStreams`, executed one after the other with the caller's compensation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/adapters/event-store/sqlite-event-store.js';
import {
  ConflictError,
  DomainRuleError,
  createCommandRuntime,
  executeCommand,
  executeCommandsTogether,
  systemClock,
  toNewEvents,
  type CommandContext,
  type CommandObserver,
  type Decider,
  type EventOf,
  type EventStore,
} from '../src/index.js';
import { ReadCountingEventStore } from './support/read-counting-event-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decider-together-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const LEAD_OFFERING = '01900000-0000-7000-8000-0000000000a1';
const LEAD = `inventory-${LEAD_OFFERING}`;
const JOINED_OFFERING = '01900000-0000-7000-8000-0000000000a2';
const JOINED = `inventory-${JOINED_OFFERING}`;

type Adjusted = EventOf<'StockAdjusted', { offeringId: string; delta: number; stock: number }>;
interface Adjust {
  readonly type: 'Adjust';
  readonly by: number;
}
/** Stock that may not go below zero. */
const stock = (offeringId: string): Decider<Adjust, { total: number }, Adjusted> => ({
  initialState: { total: 0 },
  decide: (c, s) => {
    if (s.total + c.by < 0) throw new DomainRuleError('sold-out', `${offeringId}: only ${s.total} left`);
    return [{ type: 'StockAdjusted', data: { offeringId, delta: c.by, stock: s.total + c.by } }];
  },
  evolve: (s, e) => ({ total: e.data.stock }),
});
const leadStock = stock(LEAD_OFFERING);
const joinedStock = stock(JOINED_OFFERING);
const adjust = (by: number): Adjust => ({ type: 'Adjust', by });
const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'corr-1', causationId: 'cause-1' };

/** The store's own methods, without appendToStreams (as the EventStoreDB adapter). */
function withoutAtomicAppend(store: EventStore): EventStore {
  return {
    append: (...a) => store.append(...a),
    readStream: (...a) => store.readStream(...a),
    readAll: (...a) => store.readAll(...a),
    headPosition: () => store.headPosition(),
    subscribeToAll: (...a) => store.subscribeToAll(...a),
    close: () => store.close(),
  };
}

/**
 * Before each of its first `times` atomic appends, "another process" adds stock to the lead
 * stream: the append then finds the stream moved on.
 */
function racedBy(inner: SqliteEventStore, times: number): EventStore {
  let raced = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'appendToStreams') {
        return async (...args: Parameters<SqliteEventStore['appendToStreams']>) => {
          if (raced++ < times) {
            const [last] = await target.readStream(LEAD, { direction: 'backwards', maxCount: 1 });
            const total = (last?.data['stock'] as number | undefined) ?? 0;
            const sneaked: Adjusted[] = [
              { type: 'StockAdjusted', data: { offeringId: LEAD_OFFERING, delta: 1, stock: total + 1 } },
            ];
            await target.append(LEAD, toNewEvents(sneaked, ctx, systemClock), 'any');
          }
          return target.appendToStreams(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

class RecordingObserver implements CommandObserver {
  readonly seen: string[] = [];
  accepted(command: string): void {
    this.seen.push(`accepted ${command}`);
  }
  rejected(command: string, err: unknown): void {
    this.seen.push(`rejected ${command} ${String((err as { code?: unknown }).code)}`);
  }
  conflicted(retried: number): void {
    this.seen.push(`conflicted ${retried}`);
  }
}

describe('executeCommandsTogether', () => {
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
  const stocks = async (store: EventStore, stream: string) =>
    (await store.readStream(stream)).map((e) => e.data['stock']);

  it('stores both commands in one append, one transaction; results per stream', async () => {
    const sqlite = make();
    const store = new ReadCountingEventStore(sqlite);
    const runtime = createCommandRuntime(store, systemClock);
    await executeCommand(runtime, LEAD, leadStock, adjust(5), ctx);
    const tx = sqlite.stats().transactions;
    const [lead, joined] = await executeCommandsTogether(
      runtime,
      { streamId: LEAD, decider: leadStock, command: (s) => adjust(-Math.min(2, s.total)) },
      { streamId: JOINED, decider: joinedStock, command: adjust(2), newStream: true },
      ctx,
    );
    expect(sqlite.stats().transactions - tx).toBe(1);
    expect(store.multiStreamAppends).toBe(1);
    expect(lead).toMatchObject({ revision: 1n, state: { total: 3 } });
    expect(joined).toMatchObject({ revision: 0n, state: { total: 2 } });
    expect(joined.events).toEqual([
      { type: 'StockAdjusted', data: { offeringId: JOINED_OFFERING, delta: 2, stock: 2 } },
    ]);
    const log = await sqlite.readAll();
    expect(log.map((e) => e.streamId)).toEqual([LEAD, LEAD, JOINED]);
    expect(lead.position).toEqual(log[1]!.position);
    expect(joined.position).toEqual(log[2]!.position);
    for (const e of log.slice(1)) {
      expect(e.metadata).toMatchObject({ correlationId: 'corr-1', causationId: 'cause-1', actor: ctx.actor });
    }
    // both states are cached: the next commands read nothing but the (empty) tails
    const reads = store.eventsRead;
    await executeCommand(runtime, LEAD, leadStock, adjust(1), ctx);
    await executeCommand(runtime, JOINED, joinedStock, adjust(1), ctx);
    expect(store.eventsRead).toBe(reads);
    expect(await stocks(sqlite, JOINED)).toEqual([2, 3]);
  });

  it('a refusal by either decider stores neither', async () => {
    const store = make();
    const observer = new RecordingObserver();
    const runtime = createCommandRuntime(store, systemClock, 5, observer);
    await executeCommand(runtime, LEAD, leadStock, adjust(1), ctx);
    observer.seen.length = 0;
    // the joined command refuses: the lead's events are not stored either
    await expect(
      executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(-1) },
        { streamId: JOINED, decider: joinedStock, command: adjust(-1), newStream: true },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'sold-out' });
    // the lead refuses: the joined command is not even decided
    await expect(
      executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(-2) },
        { streamId: JOINED, decider: joinedStock, command: adjust(1), newStream: true },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'sold-out' });
    expect(await stocks(store, LEAD)).toEqual([1]);
    expect(await store.readStream(JOINED)).toEqual([]);
    expect(observer.seen).toEqual(['rejected Adjust sold-out', 'rejected Adjust sold-out', 'rejected Adjust sold-out']);
  });

  it('a stream changed by another writer: both are decided again on fresh state', async () => {
    const store = make();
    const observer = new RecordingObserver();
    const runtime = createCommandRuntime(racedBy(store, 1), systemClock, 5, observer);
    await executeCommand(runtime, LEAD, leadStock, adjust(3), ctx);
    observer.seen.length = 0;
    const [lead, joined] = await executeCommandsTogether(
      runtime,
      { streamId: LEAD, decider: leadStock, command: (s) => adjust(-s.total) },
      { streamId: JOINED, decider: joinedStock, command: (s) => adjust(s.total + 1), newStream: true },
      ctx,
    );
    // decided again on the stock the other writer left (4, not 3)
    expect(lead.state).toEqual({ total: 0 });
    expect(joined.revision).toBe(0n);
    expect(await stocks(store, LEAD)).toEqual([3, 4, 0]);
    expect(await stocks(store, JOINED)).toEqual([1]);
    expect(observer.seen).toEqual(['conflicted 1', 'accepted Adjust', 'accepted Adjust']);
  });

  it('a stream that keeps changing: ConflictError after the retries, and nothing stored', async () => {
    const store = make();
    const observer = new RecordingObserver();
    const runtime = createCommandRuntime(racedBy(store, Infinity), systemClock, 2, observer);
    await expect(
      executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(1) },
        { streamId: JOINED, decider: joinedStock, command: adjust(1), newStream: true },
        ctx,
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await stocks(store, LEAD)).toEqual([1, 2, 3]); // only the other writer's
    expect(await store.readStream(JOINED)).toEqual([]);
    expect(observer.seen).toEqual([
      'conflicted 1',
      'conflicted 1',
      'conflicted 0',
      'rejected Adjust conflict',
      'rejected Adjust conflict',
    ]);
  });

  it('concurrent commands on one lead stream share one append: a few transactions for many', async () => {
    const store = make();
    const runtime = createCommandRuntime(store, systemClock);
    await executeCommand(runtime, LEAD, leadStock, adjust(10), ctx);
    const tx = store.stats().transactions;
    const joinedIds = Array.from(
      { length: 12 },
      (_, i) => `inventory-01900000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    );
    const outcomes = await Promise.allSettled(
      joinedIds.map((streamId, i) =>
        executeCommandsTogether(
          runtime,
          { streamId: LEAD, decider: leadStock, command: adjust(-1) },
          { streamId, decider: stock(streamId.slice('inventory-'.length)), command: adjust(i), newStream: true },
          ctx,
        ),
      ),
    );
    // ten left in stock: two are refused, and their joined streams stay empty
    expect(outcomes.map((o) => o.status)).toEqual([...Array(10).fill('fulfilled'), 'rejected', 'rejected']);
    expect(store.stats().transactions - tx).toBeLessThanOrEqual(2);
    expect(await stocks(store, LEAD)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    for (const [i, streamId] of joinedIds.entries()) {
      expect(await stocks(store, streamId)).toEqual(i < 10 ? [i] : []);
    }
  });

  it('refuses one stream named twice', async () => {
    const runtime = createCommandRuntime(make(), systemClock);
    await expect(
      executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(1) },
        { streamId: LEAD, decider: leadStock, command: adjust(1) },
        ctx,
      ),
    ).rejects.toBeInstanceOf(TypeError);
  });

  describe('on a store without atomic appends to several streams', () => {
    it('appends one stream after the other', async () => {
      const sqlite = make();
      const runtime = createCommandRuntime(withoutAtomicAppend(sqlite), systemClock);
      const tx = sqlite.stats().transactions;
      const [lead, joined] = await executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(4) },
        { streamId: JOINED, decider: joinedStock, command: adjust(1), newStream: true },
        ctx,
      );
      expect(sqlite.stats().transactions - tx).toBe(2);
      expect([lead.revision, joined.revision]).toEqual([0n, 0n]);
      expect((await sqlite.readAll()).map((e) => e.streamId)).toEqual([LEAD, JOINED]);
    });

    it('runs the compensation when the joined command fails after the lead was stored', async () => {
      const sqlite = make();
      const runtime = createCommandRuntime(withoutAtomicAppend(sqlite), systemClock);
      const compensations: unknown[] = [];
      const error = await executeCommandsTogether(
        runtime,
        { streamId: LEAD, decider: leadStock, command: adjust(4) },
        { streamId: JOINED, decider: joinedStock, command: adjust(-1), newStream: true },
        ctx,
        {
          compensate: async (leadResult, err) => {
            compensations.push(leadResult.revision, err);
            await executeCommand(runtime, LEAD, leadStock, adjust(-4), ctx);
          },
        },
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'sold-out' });
      expect(compensations).toEqual([0n, error]);
      expect(await stocks(sqlite, LEAD)).toEqual([4, 0]);
      expect(await sqlite.readStream(JOINED)).toEqual([]);
    });
  });
});
