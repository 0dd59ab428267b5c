/**
 * Embedded event store: one SQLite file through better-sqlite3.
 *
 * Durability: WAL + `synchronous=FULL`, so an append is acknowledged only once its
 * transaction is on disk. Throughput comes from GROUP COMMIT: `append()` only queues;
 * every append queued in the same turn of the event loop is written by one flush
 * (scheduled with `setImmediate`) in ONE transaction, i.e. one fsync. Each queued append
 * is still checked on its own, in queue order, against the state left by the ones before
 * it, and a failing append rejects only its own promise. An `appendToStreams` call joins
 * the same batch as ONE unit: all its streams are checked before any is written, and if
 * anything goes wrong underway its savepoint undoes all of them (never part of it).
 *
 * better-sqlite3 is synchronous, so a flush runs to completion without yielding: appends
 * made "while a flush is in progress" are the ones made by the callbacks it resolves, and
 * they are queued for the next flush.
 *
 * Positions: the `events` table's INTEGER PRIMARY KEY is the global position; it is
 * `commit` and `prepare` at once. Writers are serialised by SQLite's write lock and a
 * transaction becomes visible atomically, so a reader never sees position n+1 before n.
 */
import { toRows, type Row } from './event-rows.js';
import { PagedSubscription, type PagedSource } from './paged-subscription.js';
import { SqliteSnapshotStore } from './sqlite-snapshot-store.js';
import { SqliteWalCheckpointer } from '../sqlite-wal-checkpointer.js';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  START,
  WrongExpectedRevisionError,
  checkDistinctStreams,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../../ports/event-store.js';

export interface SqliteEventStoreOptions {
  /** a file path (its folder is created if missing) or ':memory:' */
  readonly path: string;
  /** how often a caught-up subscription looks for events written by other processes */
  readonly pollIntervalMs?: number;
  /** how long a writer waits for another process's write lock (default 5000 ms) */
  readonly busyTimeoutMs?: number;
  /** rows a subscription reads per page (default 500) */
  readonly subscriptionPageSize?: number;
}

export interface SqliteEventStoreStats {
  /** committed write transactions (one per flush, i.e. one fsync each) */
  readonly transactions: number;
  /** appends settled by those transactions (successful or not; an appendToStreams counts once) */
  readonly appends: number;
  /** events written */
  readonly events: number;
  /** flushes that had to be re-run append by append (savepoints) after an unexpected error */
  readonly slowFlushes: number;
  /** largest number of appends handled by one transaction */
  readonly maxBatch: number;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_PAGE = 500;
/** most rows one INSERT statement writes (x 7 parameters, far below SQLite's limit) */
const MAX_ROWS_PER_INSERT = 64;

/** the largest power of two <= n, capped at MAX_ROWS_PER_INSERT (n >= 1) */
function chunkSize(n: number): number {
  if (n >= MAX_ROWS_PER_INSERT) return MAX_ROWS_PER_INSERT;
  return 2 ** Math.floor(Math.log2(n));
}

/** One event, serialised once when append() is called (outside the transaction). */

/** One stream's part of a queued append. */
interface StreamRows {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly rows: readonly Row[];
}

/** A queued append(). */
interface Pending extends StreamRows {
  readonly multi?: undefined;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

/** A queued appendToStreams(): its streams are written all or none. */
interface PendingMulti {
  readonly multi: readonly StreamRows[];
  /** events over all its streams */
  readonly events: number;
  readonly resolve: (r: AppendResult[]) => void;
  readonly reject: (e: unknown) => void;
}

type Queued = Pending | PendingMulti;

type Outcome = { ok: true; value: AppendResult | AppendResult[] } | { ok: false; error: unknown };

/** raw row of SELECT_COLUMNS */
type EventRow = [position: bigint, streamId: string, revision: bigint, type: string, data: string, metadata: string];

const SELECT_COLUMNS = 'position, stream_id, revision, type, data, metadata';

/** Thrown inside a fast flush when an append hit something other than a domain error. */
class NeedsSlowFlush extends Error {}

function pos(n: bigint): GlobalPosition {
  return { commit: n, prepare: n };
}

function toRecorded(r: EventRow): RecordedEvent {
  return {
    streamId: r[1],
    revision: r[2],
    position: pos(r[0]),
    type: r[3],
    data: JSON.parse(r[4]) as Record<string, unknown>,
    metadata: JSON.parse(r[5]) as RecordedEvent['metadata'],
  };
}

function holds(expected: ExpectedRevision, current: bigint | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  /** WAL checkpoints off the event loop's thread (none for ':memory:') */
  private readonly walCheckpointer: SqliteWalCheckpointer | undefined;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;

  private queue: Queued[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly subscriptions = new Set<PagedSubscription<EventRow>>();
  /** bumped after every commit that wrote events (in-process notification) */
  private commitSeq = 0;

  private counters = { transactions: 0, appends: 0, events: 0, slowFlushes: 0, maxBatch: 0 };
  /** events inserted by the transaction in progress */
  private batchEvents = 0;

  // prepared statements, reused for the store's lifetime
  private readonly stBegin: Database.Statement;
  private readonly stCommit: Database.Statement;
  private readonly stRollback: Database.Statement;
  private readonly stSavepoint: Database.Statement;
  private readonly stRelease: Database.Statement;
  private readonly stRollbackTo: Database.Statement;
  private readonly stGetStream: Database.Statement<[string], [bigint, bigint]>;
  private readonly stUpsertStream: Database.Statement<[string, bigint, bigint]>;
  private readonly stInsert: Database.Statement<[string, bigint, string, string, string, string, string]>;
  private readonly stFindId: Database.Statement<[string], [string, bigint, bigint]>;
  private readonly stHead: Database.Statement<[], bigint | null>;
  private readonly stStreamFwd: Database.Statement<[string, bigint, number], EventRow>;
  private readonly stStreamBwd: Database.Statement<[string, bigint, number], EventRow>;
  private readonly stStreamFwdAll: Database.Statement<[string, bigint], EventRow>;
  private readonly stStreamBwdAll: Database.Statement<[string, bigint], EventRow>;
  private readonly allStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  /** multi-row INSERTs by row count (powers of two up to MAX_ROWS_PER_INSERT) */
  private readonly stMultiInsert = new Map<number, Database.Statement<unknown[]>>();

  constructor(options: SqliteEventStoreOptions) {
    const file = options.path;
    if (file !== ':memory:' && file !== '' && !file.startsWith('file:')) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    }
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.pageSize = Math.max(1, options.subscriptionPageSize ?? DEFAULT_PAGE);
    this.db = new Database(file);
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      this.db.pragma('journal_mode = WAL'); // stays 'memory' for ':memory:'
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = OFF');
      this.db.exec(`
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
        );
        CREATE TABLE IF NOT EXISTS streams (
          stream_id TEXT    PRIMARY KEY,
          revision  INTEGER NOT NULL,
          position  INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.walCheckpointer = SqliteWalCheckpointer.attach(this.db);
    const db = this.db;
    this.stBegin = db.prepare('BEGIN IMMEDIATE');
    this.stCommit = db.prepare('COMMIT');
    this.stRollback = db.prepare('ROLLBACK');
    this.stSavepoint = db.prepare('SAVEPOINT append');
    this.stRelease = db.prepare('RELEASE append');
    this.stRollbackTo = db.prepare('ROLLBACK TO append');
    this.stGetStream = db
      .prepare<[string], [bigint, bigint]>('SELECT revision, position FROM streams WHERE stream_id = ?')
      .raw()
      .safeIntegers();
    this.stUpsertStream = db.prepare<[string, bigint, bigint]>(
      `INSERT INTO streams (stream_id, revision, position) VALUES (?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, position = excluded.position`,
    );
    this.stInsert = db
      .prepare<[string, bigint, string, string, string, string, string]>(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .safeIntegers();
    this.stFindId = db
      .prepare<[string], [string, bigint, bigint]>(
        'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
      )
      .raw()
      .safeIntegers();
    this.stHead = db.prepare<[], bigint | null>('SELECT max(position) FROM events').pluck().safeIntegers();
    this.stStreamFwd = db
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ?
         ORDER BY revision ASC LIMIT ?`,
      )
      .raw()
      .safeIntegers();
    this.stStreamBwd = db
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ?
         ORDER BY revision DESC LIMIT ?`,
      )
      .raw()
      .safeIntegers();
    // The same reads without a LIMIT parameter, for reads without a maximum (every command
    // load of a stream's tail): binding a LIMIT parameter costs more than the read itself
    // (an empty tail read: 15 us of CPU with it, 5 us without; SQLite re-plans the statement).
    this.stStreamFwdAll = db
      .prepare<[string, bigint], EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC`,
      )
      .raw()
      .safeIntegers();
    this.stStreamBwdAll = db
      .prepare<[string, bigint], EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC`,
      )
      .raw()
      .safeIntegers();
  }

  /** Counters for tests and benchmarks. */
  stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  private snapshotStore: SqliteSnapshotStore | undefined;

  /** Decider snapshots, kept in this file (a table of their own, outside the log). */
  snapshots(): SqliteSnapshotStore {
    this.ensureOpen();
    this.snapshotStore ??= new SqliteSnapshotStore(this.db, () => this.ensureOpen());
    return this.snapshotStore;
  }

  // ---------------------------------------------------------------- append

  append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    let rows: Row[];
    try {
      rows = toRows(streamId, events, expectedRevision);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.enqueue({ streamId, expected: expectedRevision, rows, resolve, reject });
    });
  }

  /** All or none, in the group commit's transaction like any append (see the header). */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    const multi: StreamRows[] = [];
    let events = 0;
    try {
      checkDistinctStreams(appends);
      for (const a of appends) {
        const rows = toRows(a.streamId, a.events, a.expectedRevision);
        multi.push({ streamId: a.streamId, expected: a.expectedRevision, rows });
        events += rows.length;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (multi.length === 0) return Promise.resolve([]);
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.enqueue({ multi, events, resolve, reject });
    });
  }

  private enqueue(p: Queued): void {
    this.queue.push(p);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes every queued append in one transaction, then settles their promises. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      try {
        outcomes = this.runBatch(batch, false);
      } catch (e) {
        if (!(e instanceof NeedsSlowFlush)) throw e;
        this.counters.slowFlushes++;
        outcomes = this.runBatch(batch, true);
      }
    } catch (e) {
      // BEGIN or COMMIT failed (busy, I/O, disk full): nothing of this batch is stored
      for (const p of batch) p.reject(e);
      return;
    }
    let written = 0;
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i]!;
      const p = batch[i]!;
      if (!o.ok) {
        p.reject(o.error);
      } else if (p.multi) {
        written += p.events;
        p.resolve(o.value as AppendResult[]); // runBatch answers a PendingMulti with an array
      } else {
        written += p.rows.length;
        p.resolve(o.value as AppendResult);
      }
    }
    if (written > 0) this.notify();
  }

  private runBatch(batch: readonly Queued[], slow: boolean): Outcome[] {
    this.stBegin.run();
    const outcomes: Outcome[] = new Array<Outcome>(batch.length);
    this.batchEvents = 0;
    try {
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!;
        if (slow) {
          this.stSavepoint.run();
          const eventsBefore = this.batchEvents;
          try {
            outcomes[i] = { ok: true, value: p.multi ? this.applyMultiChecked(p.multi) : this.applyChecked(p) };
            this.stRelease.run();
          } catch (error) {
            this.stRollbackTo.run();
            this.stRelease.run();
            this.batchEvents = eventsBefore; // a multi-stream append may have written some streams
            outcomes[i] = { ok: false, error };
            continue;
          }
        } else {
          try {
            outcomes[i] = { ok: true, value: p.multi ? this.applyMulti(p.multi) : this.apply(p) };
          } catch (error) {
            if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) {
              // raised before this append wrote anything: the rest of the batch goes on
              outcomes[i] = { ok: false, error };
              continue;
            }
            throw new NeedsSlowFlush(String(error));
          }
        }
      }
      this.stCommit.run();
    } catch (e) {
      if (this.db.inTransaction) this.stRollback.run();
      throw e;
    }
    this.counters.transactions++;
    this.counters.appends += batch.length;
    this.counters.events += this.batchEvents;
    if (batch.length > this.counters.maxBatch) this.counters.maxBatch = batch.length;
    return outcomes;
  }

  /**
   * Fast path: expected revision, then inserts. Event ids are only looked up when the
   * expected revision fails (is it a retry?); an id stored elsewhere makes an insert hit
   * the UNIQUE index, which sends the whole batch to the slow path.
   */
  private apply(p: StreamRows): AppendResult {
    const stream = this.stGetStream.get(p.streamId);
    const current = stream?.[0];
    if (!holds(p.expected, current)) {
      const retry = p.rows.length > 0 ? this.findRetry(p) : undefined;
      if (retry) return retry;
      throw new WrongExpectedRevisionError(p.streamId, p.expected, current ?? 'no_stream');
    }
    return this.write(p, stream);
  }

  /**
   * Fast path of appendToStreams: every stream's expected revision is checked before any is
   * written, so a refusal (domain error) leaves nothing behind and the batch goes on; an
   * unexpected error while writing sends the batch to the slow path, whose savepoint then
   * undoes the streams already written.
   */
  private applyMulti(multi: readonly StreamRows[]): AppendResult[] {
    const streams = new Array<[bigint, bigint] | undefined>(multi.length);
    for (let i = 0; i < multi.length; i++) {
      const w = multi[i]!;
      const stream = this.stGetStream.get(w.streamId);
      if (!holds(w.expected, stream?.[0])) {
        const retry = this.findMultiRetry(multi);
        if (retry) return retry;
        throw new WrongExpectedRevisionError(w.streamId, w.expected, stream?.[0] ?? 'no_stream');
      }
      streams[i] = stream;
    }
    return multi.map((w, i) => this.write(w, streams[i]));
  }

  /** Slow path of appendToStreams (inside a savepoint): ids are checked before anything is written. */
  private applyMultiChecked(multi: readonly StreamRows[]): AppendResult[] {
    const retry = this.findMultiRetry(multi);
    if (retry) return retry;
    const seen = new Set<string>();
    for (const w of multi) {
      for (const r of w.rows) {
        if (seen.has(r.eventId)) throw new DuplicateEventIdError(w.streamId, r.eventId);
        seen.add(r.eventId);
      }
    }
    return this.applyMulti(multi);
  }

  /**
   * A retry of a whole appendToStreams: every stream's events stored as one earlier call
   * stored them -> the original results. Nothing stored -> undefined. Part of it -> error.
   */
  private findMultiRetry(multi: readonly StreamRows[]): AppendResult[] | undefined {
    const results: (AppendResult | undefined)[] = multi.map((w) => (w.rows.length > 0 ? this.findRetry(w) : undefined));
    const found = results.filter((r) => r !== undefined).length;
    if (found === 0) return undefined;
    const withEvents = multi.filter((w) => w.rows.length > 0).length;
    if (found < withEvents) {
      const missing = multi.find((w, i) => w.rows.length > 0 && results[i] === undefined)!;
      const stored = multi.find((_, i) => results[i] !== undefined)!;
      throw new DuplicateEventIdError(missing.streamId, stored.rows[0]!.eventId);
    }
    // streams without events in the call: their current state, as append would answer
    return multi.map((w, i) => results[i] ?? this.currentResult(w.streamId));
  }

  private currentResult(streamId: string): AppendResult {
    const stream = this.stGetStream.get(streamId);
    return stream
      ? { nextExpectedRevision: stream[0], position: pos(stream[1]) }
      : { nextExpectedRevision: -1n, position: START };
  }

  /** Writes a stream's rows after its current revision (checked by the caller). */
  private write(p: StreamRows, stream: [bigint, bigint] | undefined): AppendResult {
    const current = stream?.[0];
    if (p.rows.length === 0) {
      return stream
        ? { nextExpectedRevision: stream[0], position: pos(stream[1]) }
        : { nextExpectedRevision: -1n, position: START };
    }
    const first = (current ?? -1n) + 1n;
    const position = this.insertRows(p.streamId, first, p.rows);
    const revision = first + BigInt(p.rows.length) - 1n;
    this.stUpsertStream.run(p.streamId, revision, position);
    this.batchEvents += p.rows.length;
    return { nextExpectedRevision: revision, position: pos(position) };
  }

  /**
   * Inserts an append's rows at revisions first, first + 1, ... and returns the position of
   * the last. Several rows go in multi-row INSERTs of 64/32/.../1 rows (one statement each,
   * prepared once): one call into SQLite per chunk instead of per row, which took 10-20 % off
   * the CPU of a 100-event append (ops/bench, /dev/shm A/B).
   */
  private insertRows(streamId: string, first: bigint, rows: readonly Row[]): bigint {
    if (rows.length === 1) {
      const r = rows[0]!;
      return this.stInsert.run(streamId, first, r.eventId, r.type, r.data, r.metadata, r.recordedAt)
        .lastInsertRowid as bigint;
    }
    let position = 0n;
    let revision = first;
    let i = 0;
    while (i < rows.length) {
      const chunk = chunkSize(rows.length - i);
      const params: unknown[] = new Array<unknown>(chunk * 7);
      for (let j = 0; j < chunk; j++, i++, revision++) {
        const r = rows[i]!;
        const at = j * 7;
        params[at] = streamId;
        params[at + 1] = revision;
        params[at + 2] = r.eventId;
        params[at + 3] = r.type;
        params[at + 4] = r.data;
        params[at + 5] = r.metadata;
        params[at + 6] = r.recordedAt;
      }
      position = this.multiInsert(chunk).run(params).lastInsertRowid as bigint;
    }
    return position;
  }

  private multiInsert(rows: number): Database.Statement<unknown[]> {
    let st = this.stMultiInsert.get(rows);
    if (!st) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
      st = this.db
        .prepare<unknown[]>(
          `INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES ${values}`,
        )
        .safeIntegers();
      this.stMultiInsert.set(rows, st);
    }
    return st;
  }

  /** Slow path (inside a savepoint): every id is looked up before anything is written. */
  private applyChecked(p: StreamRows): AppendResult {
    if (p.rows.length > 0) {
      const retry = this.findRetry(p);
      if (retry) return retry;
      const seen = new Set<string>();
      for (const r of p.rows) {
        if (seen.has(r.eventId)) throw new DuplicateEventIdError(p.streamId, r.eventId);
        seen.add(r.eventId);
      }
    }
    return this.apply(p);
  }

  /**
   * An idempotent retry: every id already stored in this stream, in order, at consecutive
   * revisions -> the original result. None stored -> undefined. Anything else -> error.
   */
  private findRetry(p: StreamRows): AppendResult | undefined {
    let first: [string, bigint, bigint] | undefined;
    let last: [string, bigint, bigint] | undefined;
    let found = 0;
    let consistent = true;
    let duplicateId: string | undefined;
    for (let i = 0; i < p.rows.length; i++) {
      const hit = this.stFindId.get(p.rows[i]!.eventId);
      if (!hit) {
        consistent = false;
        continue;
      }
      found++;
      duplicateId ??= p.rows[i]!.eventId;
      if (!first) first = hit;
      if (hit[0] !== p.streamId || hit[1] !== first[1] + BigInt(i)) consistent = false;
      last = hit;
    }
    if (found === 0) return undefined;
    // consistent implies every id was found, so `first` is the hit of the first event
    if (consistent && last) {
      return { nextExpectedRevision: last[1], position: pos(last[2]) };
    }
    throw new DuplicateEventIdError(p.streamId, duplicateId!);
  }

  // ---------------------------------------------------------------- reads

  private ensureOpen(): void {
    if (this.closed) throw new Error('SqliteEventStore is closed');
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const max = options.maxCount ?? -1;
    if (max === 0) return [];
    const limit = max < 0 ? -1 : Math.floor(max);
    if (options.direction === 'backwards') {
      const from = options.fromRevision ?? 0x7fffffffffffffffn;
      const rows = limit < 0 ? this.stStreamBwdAll.all(streamId, from) : this.stStreamBwd.all(streamId, from, limit);
      return rows.map(toRecorded);
    }
    const from = options.fromRevision ?? 0n;
    const rows = limit < 0 ? this.stStreamFwdAll.all(streamId, from) : this.stStreamFwd.all(streamId, from, limit);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const max = options.maxCount ?? -1;
    if (max === 0) return [];
    const after = options.after?.commit ?? -1n;
    return this.readAllRows(after, 0x7fffffffffffffffn, max < 0 ? -1 : Math.floor(max), options.filter).map(toRecorded);
  }

  async headPosition(): Promise<GlobalPosition> {
    this.ensureOpen();
    const head = this.head();
    return head < 0n ? START : pos(head);
  }

  /** @internal position of the last event, -1n when empty */
  head(): bigint {
    return this.stHead.get() ?? -1n;
  }

  /** @internal rows with after < position <= upTo, matching the filter, in log order */
  readAllRows(after: bigint, upTo: bigint, limit: number, filter?: EventFilter): EventRow[] {
    const prefixes = filter?.streamPrefixes ?? [];
    const types = filter?.eventTypes ?? [];
    // "no limit" and the page size (what subscriptions ask for) are written into the SQL:
    // a bound LIMIT makes SQLite re-plan the statement on every call (see stStreamFwdAll)
    const limitSql = limit === -1 || limit === this.pageSize ? String(limit) : '?';
    const key = `${prefixes.length}/${types.length}/${limitSql}`;
    let st = this.allStatements.get(key);
    if (!st) {
      const where = ['position > ?', 'position <= ?'];
      if (prefixes.length > 0) {
        // substr/length compare is exact and case-sensitive (LIKE is neither)
        where.push(`(${prefixes.map(() => 'substr(stream_id, 1, length(?)) = ?').join(' OR ')})`);
      }
      if (types.length > 0) where.push(`type IN (${types.map(() => '?').join(', ')})`);
      st = this.db
        .prepare<unknown[], EventRow>(
          `SELECT ${SELECT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ${limitSql}`,
        )
        .raw()
        .safeIntegers();
      this.allStatements.set(key, st);
    }
    const params: unknown[] = [after, upTo];
    for (const p of prefixes) params.push(p, p);
    for (const t of types) params.push(t);
    if (limitSql === '?') params.push(limit);
    return st.all(...params);
  }

  // ---------------------------------------------------------------- subscriptions

  /** How subscriptions read this store's log. */
  private readonly pagedSource: PagedSource<EventRow> = {
    sequence: () => this.commitSeq,
    head: () => this.head(),
    readRows: (after, upTo, limit, filter) => this.readAllRows(after, upTo, limit, filter),
    positionOf: (row) => row[0],
    toRecorded,
    forget: (sub) => this.forget(sub),
  };

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.ensureOpen();
    const sub = new PagedSubscription<EventRow>(
      this.pagedSource,
      options.after?.commit ?? -1n,
      options.filter,
      this.pageSize,
      this.pollIntervalMs,
    );
    this.subscriptions.add(sub);
    return sub;
  }

  /** @internal */
  forget(sub: PagedSubscription<EventRow>): void {
    this.subscriptions.delete(sub);
  }

  private notify(): void {
    this.commitSeq++;
    for (const s of this.subscriptions) s.wake();
  }

  // ---------------------------------------------------------------- lifecycle

  async close(): Promise<void> {
    if (this.closed) return;
    // write what is queued before closing (the scheduled flush then finds nothing)
    this.flush();
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.walCheckpointer?.close();
    this.db.close();
  }
}
