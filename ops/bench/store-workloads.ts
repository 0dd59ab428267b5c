/**
 * The workloads the peers benchmark and the scale benchmark run against an event store:
 * sequential appends (batches of 1, 10, 100), aggregate loads (read + fold a 100-event
 * stream) and concurrent writers, each time-boxed, every error counted by its code; and the
 * stores under test behind one small interface (ours, raw better-sqlite3, Emmett's SQLite).
 */
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../shared-kernel/src/adapters/event-store/sqlite-event-store.js';
import type { EventStore, NewEvent } from '../../shared-kernel/src/ports/event-store.js';
import { makeEvent } from './event-store.bench.js';
import { round, summarize } from './stats.js';
import { loadEmmett } from './peers/emmett.js';

export type Expected = bigint | 'no_stream' | 'any';

/** What every store under test offers the workloads. */
export interface Target {
  /** appends and returns the expected revision for the next append */
  append(stream: string, events: NewEvent[], expected: Expected): Promise<bigint>;
  /** reads the whole stream and folds it; returns the folded seat count */
  load(stream: string): Promise<number>;
  close(): Promise<void>;
}

export const seatsDelta = (type: string, data: unknown): number =>
  (type === 'SeatsReserved' ? 1 : -1) * ((data as { seats: number }).seats ?? 0);

export function oursTarget(file: string): Target {
  return storeTarget(new SqliteEventStore({ path: file }));
}

/** an already open store of ours (the scale benchmark's grown store) */
export function storeTarget(store: EventStore, closeStore = true): Target {
  return {
    async append(stream, events, expected) {
      return (await store.append(stream, events, expected)).nextExpectedRevision as bigint;
    },
    async load(stream) {
      return (await store.readStream(stream)).reduce((s, e) => s + seatsDelta(e.type, e.data), 0);
    },
    close: () => (closeStore ? store.close() : Promise.resolve()),
  };
}

/** better-sqlite3 with our table and the same durability; a transaction per append. */
export function rawTarget(file: string): Target & { appendGroup(rows: { stream: string; event: NewEvent }[]): void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY,
      stream_id   TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      event_id    TEXT    NOT NULL UNIQUE,
      type        TEXT    NOT NULL,
      data        TEXT    NOT NULL,
      metadata    TEXT    NOT NULL,
      recorded_at TEXT    NOT NULL,
      UNIQUE (stream_id, revision)
    )`);
  const insert = db.prepare(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const select = db.prepare<[string], { type: string; data: string; metadata: string }>(
    'SELECT type, data, metadata FROM events WHERE stream_id = ? ORDER BY revision',
  );
  const revisions = new Map<string, number>();
  const insertOne = (stream: string, event: NewEvent) => {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    insert.run(
      stream,
      revision,
      event.metadata.eventId,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      event.metadata.recordedAt,
    );
  };
  const appendTx = db.transaction((stream: string, events: NewEvent[]) => {
    for (const e of events) insertOne(stream, e);
  });
  const groupTx = db.transaction((rows: { stream: string; event: NewEvent }[]) => {
    for (const r of rows) insertOne(r.stream, r.event);
  });
  return {
    async append(stream, events) {
      appendTx.immediate(stream, events);
      return BigInt(revisions.get(stream)!);
    },
    async load(stream) {
      return select.all(stream).reduce((s, row) => {
        JSON.parse(row.metadata);
        return s + seatsDelta(row.type, JSON.parse(row.data));
      }, 0);
    },
    appendGroup(rows) {
      groupTx.immediate(rows);
    },
    async close() {
      db.close();
    },
  };
}

export async function emmettTarget(file: string): Promise<Target> {
  const { getSQLiteEventStore, STREAM_DOES_NOT_EXIST, NO_CONCURRENCY_CHECK } = await loadEmmett();
  const store = getSQLiteEventStore({ fileName: file });
  return {
    async append(stream, events, expected) {
      const r = await store.appendToStream(
        stream,
        events.map((e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata } })),
        {
          expectedStreamVersion:
            expected === 'no_stream' ? STREAM_DOES_NOT_EXIST : expected === 'any' ? NO_CONCURRENCY_CHECK : expected,
        },
      );
      return r.nextExpectedStreamVersion;
    },
    async load(stream) {
      const { state } = await store.aggregateStream(stream, {
        initialState: () => 0,
        evolve: (s: number, e) => s + seatsDelta(e.type, e.data),
      });
      return state;
    },
    // Emmett opens and closes a connection per operation on a file database
    async close() {},
  };
}

export async function openTarget(kind: string, file: string) {
  if (kind === 'ours') return oursTarget(file);
  if (kind === 'raw') return rawTarget(file);
  if (kind === 'emmett') return emmettTarget(file);
  throw new Error(`unknown target ${kind}`);
}

/** Errors by code, for the workload running now; `uncaught`/`unhandled` ones were thrown
 *  outside any awaited call (e.g. an 'error' event of a connection). */
export const errorTally = {
  byCode: {} as Record<string, number>,
  reset(): Record<string, number> {
    this.byCode = {};
    return this.byCode;
  },
  count(err: unknown, prefix = ''): void {
    const e = err as { code?: string; name?: string; message?: string };
    const code = e.code ?? e.name ?? 'Error';
    const message = (e.message ?? String(err)).replace(`${code}: `, '').slice(0, 80);
    const key = `${prefix}${code}: ${message}`;
    this.byCode[key] = (this.byCode[key] ?? 0) + 1;
  },
};

let eventNo = 0;
const batch = (size: number) => Array.from({ length: size }, () => makeEvent(eventNo++));
const MIN_APPENDS = 10;

export async function sequential(target: Target, size: number, budgetMs: number, label = 'seq') {
  const errors = errorTally.reset();
  const stream = `${label}${size}-stream`;
  const latencies: number[] = [];
  let expected: Expected = 'no_stream';
  let events = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || latencies.length < MIN_APPENDS) {
    const work = batch(size);
    const a = performance.now();
    try {
      expected = await target.append(stream, work, expected);
      events += size;
    } catch (err) {
      errorTally.count(err);
      expected = 'any';
    }
    latencies.push(performance.now() - a);
    if (latencies.length > 200_000) break;
  }
  const secs = (performance.now() - t0) / 1000;
  return {
    batch: size,
    eventsPerSec: Math.round(events / secs),
    appends: latencies.length,
    latency: summarize(latencies),
    errors,
  };
}

export async function aggregateLoads(target: Target, budgetMs: number, label = 'agg') {
  const errors = errorTally.reset();
  const STREAMS = 20;
  for (let s = 0; s < STREAMS; s++) await target.append(`${label}-${s}`, batch(100), 'no_stream');
  let loads = 0;
  let check = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || loads < MIN_APPENDS) {
    try {
      check += await target.load(`${label}-${loads % STREAMS}`);
    } catch (err) {
      errorTally.count(err);
    }
    loads++;
  }
  const secs = (performance.now() - t0) / 1000;
  if (Number.isNaN(check)) throw new Error('fold produced NaN');
  return {
    streamEvents: 100,
    loadsPerSec: Math.round(loads / secs),
    eventsPerSec: Math.round((loads * 100) / secs),
    errors,
  };
}

export async function concurrent(targets: Target[], writers: number, budgetMs: number, label: string) {
  const errors = errorTally.reset();
  let events = 0;
  let attempts = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const target = targets[w % targets.length]!;
      let expected: Expected = 'no_stream';
      let mine = 0;
      while (performance.now() - t0 < budgetMs || mine === 0) {
        const a = performance.now();
        attempts++;
        mine++;
        try {
          expected = await target.append(`${label}-${w}`, batch(1), expected);
          events++;
          latencies.push(performance.now() - a);
        } catch (err) {
          errorTally.count(err);
          // the stream's revision is unknown after a failure: carry on without a check
          expected = 'any';
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    writers,
    instances: targets.length,
    eventsPerSec: Math.round(events / secs),
    attempts,
    succeeded: events,
    errorCount,
    errorRate: round(errorCount / Math.max(1, attempts), 3),
    latency: summarize(latencies),
    errors,
  };
}

/** raw better-sqlite3, 16 appends' rows in one transaction: what group commit does at best */
export async function rawGrouped(file: string, rowsPerTx: number, budgetMs: number) {
  const raw = rawTarget(file);
  let events = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    raw.appendGroup(
      Array.from({ length: rowsPerTx }, (_, w) => ({ stream: `group-${w}`, event: makeEvent(eventNo++) })),
    );
    events += rowsPerTx;
  }
  const secs = (performance.now() - t0) / 1000;
  await raw.close();
  return { rowsPerTx, eventsPerSec: Math.round(events / secs) };
}
