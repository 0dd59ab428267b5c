/**
 * Event store benchmark: the SQLite adapter through the port, next to raw better-sqlite3
 * inserts of the same rows with the same durability (WAL + synchronous=FULL, one fsync
 * per commit), and aggregate loads (readStream of a 100-event stream + fold).
 *
 *   npx tsx ops/bench/event-store.bench.ts        # prints JSON
 *
 * Port appends: WRITERS concurrent writers, each appending to its own stream with an
 * exact expected revision and awaiting each append, so group commit has company.
 * Raw inserts: the same NewEvent objects, serialised the same way (JSON.stringify of data
 * and metadata), into the same `events` table schema, with transactions of 1 row, of 10
 * rows, and of WRITERS appends' worth of rows (what group commit does at best).
 *
 * commitFloor (commit-floor.ts): one awaited batch-1 append at a time next to raw
 * better-sqlite3 and bare write + fsync / fdatasync loops on the same disk, in alternating bursts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { SqliteEventStore } from '../../shared-kernel/src/adapters/event-store/sqlite-event-store.js';
import type { NewEvent } from '../../shared-kernel/src/ports/event-store.js';
import { benchCommitFloor } from './commit-floor.js';

const WRITERS = 64;
const TOTAL_EVENTS = 20_000;
const AGG_STREAMS = 100;
const AGG_EVENTS = 100;
const AGG_LOADS = 2_000;
const ROUNDS = 3;
const RAW_TX1_ROWS = 2_000;

/** the event every store benchmark writes (also the peers' workload) */
export function makeEvent(i: number): NewEvent {
  const now = new Date().toISOString();
  return {
    type: i % 2 === 0 ? 'SeatsReserved' : 'SeatsReleased',
    data: { bookingId: uuidv7(), seats: (i % 5) + 1, amount: { cents: 1999 + i, currency: 'EUR' } },
    metadata: {
      eventId: uuidv7(),
      correlationId: uuidv7(),
      causationId: uuidv7(),
      actor: { id: 'bench', role: 'system' },
      schemaVersion: 1,
      recordedAt: now,
    },
  };
}

/** streams[w] = the batches writer w appends, in order */
function makeWork(perAppend: number): NewEvent[][][] {
  const appendsPerWriter = Math.ceil(TOTAL_EVENTS / perAppend / WRITERS);
  let n = 0;
  return Array.from({ length: WRITERS }, () =>
    Array.from({ length: appendsPerWriter }, () => Array.from({ length: perAppend }, () => makeEvent(n++))),
  );
}

function countEvents(work: NewEvent[][][]): number {
  return work.reduce((a, w) => a + w.reduce((b, batch) => b + batch.length, 0), 0);
}

function tempFile(dir: string, name: string): string {
  return path.join(dir, `${name}.sqlite`);
}

async function benchPort(
  dir: string,
  name: string,
  work: NewEvent[][][],
): Promise<{ eventsPerSec: number; appendsPerSec: number; transactions: number; avgAppendsPerTx: number }> {
  const store = new SqliteEventStore({ path: tempFile(dir, name) });
  const events = countEvents(work);
  const appends = work.reduce((a, w) => a + w.length, 0);
  const t0 = performance.now();
  await Promise.all(
    work.map(async (batches, w) => {
      let expected: bigint | 'no_stream' = 'no_stream';
      for (const batch of batches) {
        const r = await store.append(`bench-${w}`, batch, expected);
        expected = r.nextExpectedRevision;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const stats = store.stats();
  await store.close();
  if (stats.events !== events) throw new Error(`port wrote ${stats.events} of ${events} events`);
  return {
    eventsPerSec: Math.round(events / secs),
    appendsPerSec: Math.round(appends / secs),
    transactions: stats.transactions,
    avgAppendsPerTx: Math.round((appends / stats.transactions) * 10) / 10,
  };
}

function openRaw(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE events (
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
  return db;
}

/**
 * Raw inserts, rows committed `rowsPerTx` at a time (1 = one transaction per row). Rows are
 * interleaved across writers' streams the way the concurrent port run produces them.
 */
function benchRaw(
  dir: string,
  name: string,
  work: NewEvent[][][],
  rowsPerTx: number,
): { eventsPerSec: number; transactions: number } {
  const db = openRaw(tempFile(dir, name));
  const insert = db.prepare(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  // round-robin over writers, append by append, as the port run interleaves them
  const order: { stream: string; revision: number; event: NewEvent }[] = [];
  const revisions = new Array<number>(WRITERS).fill(-1);
  const rounds = Math.max(...work.map((w) => w.length));
  for (let r = 0; r < rounds; r++) {
    for (let w = 0; w < WRITERS; w++) {
      for (const event of work[w]![r] ?? []) {
        order.push({ stream: `bench-${w}`, revision: ++revisions[w]!, event });
      }
    }
  }
  let transactions = 0;
  const t0 = performance.now();
  for (let i = 0; i < order.length; i += rowsPerTx) {
    begin.run();
    const end = Math.min(order.length, i + rowsPerTx);
    for (let j = i; j < end; j++) {
      const { stream, revision, event } = order[j]!;
      insert.run(
        stream,
        revision,
        event.metadata.eventId,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        event.metadata.recordedAt,
      );
    }
    commit.run();
    transactions++;
  }
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return { eventsPerSec: Math.round(order.length / secs), transactions };
}

async function benchAggregateLoad(dir: string): Promise<{ loadsPerSec: number; eventsPerSec: number }> {
  const store = new SqliteEventStore({ path: tempFile(dir, 'aggregates') });
  let n = 0;
  await Promise.all(
    Array.from({ length: AGG_STREAMS }, (_, s) =>
      store.append(
        `agg-${s}`,
        Array.from({ length: AGG_EVENTS }, () => makeEvent(n++)),
        'no_stream',
      ),
    ),
  );
  interface State {
    seats: number;
    revision: bigint;
  }
  const fold = (s: State, e: { type: string; data: Record<string, unknown>; revision: bigint }): State => ({
    seats: s.seats + (e.type === 'SeatsReserved' ? 1 : -1) * (e.data['seats'] as number),
    revision: e.revision,
  });
  let check = 0;
  const t0 = performance.now();
  for (let i = 0; i < AGG_LOADS; i++) {
    const events = await store.readStream(`agg-${i % AGG_STREAMS}`);
    const state = events.reduce(fold, { seats: 0, revision: -1n });
    if (state.revision !== BigInt(AGG_EVENTS - 1)) throw new Error('short stream');
    check += state.seats;
  }
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  if (Number.isNaN(check)) throw new Error('unreachable');
  return {
    loadsPerSec: Math.round(AGG_LOADS / secs),
    eventsPerSec: Math.round((AGG_LOADS * AGG_EVENTS) / secs),
  };
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** median by events/s of several runs */
function median<T extends { eventsPerSec: number }>(runs: T[]): T & { runs: number[] } {
  const sorted = [...runs].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
  return { ...sorted[Math.floor(sorted.length / 2)]!, runs: runs.map((r) => r.eventsPerSec) };
}

/**
 * fsync latency on a shared VM varies a lot from second to second, so each variant runs
 * ROUNDS times, interleaved with the others, and the median is reported.
 */
export async function benchEventStore(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-event-store-'));
  try {
    const work1 = makeWork(1);
    const work10 = makeWork(10);
    // one fsync per row is slow (~1-3 ms each): a slice of the rows is enough
    const work1Slice = work1.map((w) => w.slice(0, Math.ceil(RAW_TX1_ROWS / WRITERS)));

    const runs = {
      port1: [] as Awaited<ReturnType<typeof benchPort>>[],
      port10: [] as Awaited<ReturnType<typeof benchPort>>[],
      raw1: [] as ReturnType<typeof benchRaw>[],
      raw10: [] as ReturnType<typeof benchRaw>[],
      rawGroup1: [] as ReturnType<typeof benchRaw>[],
      rawGroup10: [] as ReturnType<typeof benchRaw>[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      runs.port1.push(await benchPort(dir, `port-1-${round}`, work1));
      // what group commit does at best: all WRITERS appends of a round in one transaction
      runs.rawGroup1.push(benchRaw(dir, `raw-group-1-${round}`, work1, WRITERS));
      runs.port10.push(await benchPort(dir, `port-10-${round}`, work10));
      runs.rawGroup10.push(benchRaw(dir, `raw-group-10-${round}`, work10, WRITERS * 10));
      runs.raw10.push(benchRaw(dir, `raw-tx10-${round}`, work10, 10));
      runs.raw1.push(benchRaw(dir, `raw-tx1-${round}`, work1Slice, 1));
    }
    const port1 = median(runs.port1);
    const port10 = median(runs.port10);
    const raw1 = median(runs.raw1);
    const raw10 = median(runs.raw10);
    const rawGroup1 = median(runs.rawGroup1);
    const rawGroup10 = median(runs.rawGroup10);

    const aggregate = await benchAggregateLoad(dir);
    // one writer, each commit awaited: ours next to raw and the disk's bare write + sync loops
    const commitFloor = await benchCommitFloor();

    return {
      setup: {
        writers: WRITERS,
        eventsPerRun: countEvents(work1),
        rawTx1Rows: countEvents(work1Slice),
        rounds: ROUNDS,
        statistic: 'median of rounds (runs lists every round)',
        durability: 'WAL + synchronous=FULL',
        cpus: os.cpus().length,
        node: process.version,
      },
      port: { batch1: port1, batch10: port10 },
      raw: {
        tx1: raw1,
        tx10: raw10,
        groupLikeBatch1: rawGroup1,
        groupLikeBatch10: rawGroup10,
      },
      aggregateLoad: { streamEvents: AGG_EVENTS, ...aggregate },
      commitFloor,
      ratios: {
        // port (group commit) vs raw with the same rows per transaction as the caller's append
        batch1VsRawTx1: ratio(port1.eventsPerSec, raw1.eventsPerSec),
        batch10VsRawTx10: ratio(port10.eventsPerSec, raw10.eventsPerSec),
        // port vs raw batching as much as group commit can at best (the strict target >= 0.5)
        batch1VsRawGroupLike: ratio(port1.eventsPerSec, rawGroup1.eventsPerSec),
        batch10VsRawGroupLike: ratio(port10.eventsPerSec, rawGroup10.eventsPerSec),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchEventStore().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
