/**
 * PostgreSQL event store (through `pg`), with the same semantics as the SQLite store.
 *
 * GLOBAL ORDER — the choice: every append transaction first takes ONE transaction-level
 * advisory lock (`pg_advisory_xact_lock`, key derived from the schema) and only then
 * reads the head and numbers its events head+1, head+2, ... A sequence would hand out
 * numbers in call order while transactions commit in another order, so a reader could see
 * position 11 before a late commit fills 10 and skip 10 for ever. Under the lock the
 * position assignment and the commit are serialised: PostgreSQL makes a transaction
 * visible (ProcArrayEndTransaction) before it releases its locks, so when the next writer
 * gets the lock everything before it is already visible. Hence at any instant the
 * committed log is a gap-free PREFIX ordered by position, readers need no gap handling
 * (no pg_snapshot_xmin games), and `position > after` is a correct resume point.
 * The price — one writer transaction at a time per database schema — is paid back by
 * GROUP COMMIT: like the SQLite store, `append()` only queues, and every append queued
 * while the previous transaction runs is written by the next transaction (one lock
 * acquisition, one round of queries, one fsync). The lock also makes expected-revision
 * checks race-free across processes; the UNIQUE (stream_id, revision), UNIQUE(event_id)
 * and PRIMARY KEY(position) constraints are a second line of defence.
 *
 * Each queued append is still checked on its own, in queue order, against the state left
 * by the ones before it; a failing append rejects only its own promise. An
 * `appendToStreams` call is one unit of the batch: all its streams are checked before any
 * of its rows is added, so it is written whole or not at all, in the batch's transaction.
 *
 * Positions: `position` is `commit` and `prepare` at once (as in SQLite), starting at 1.
 *
 * Subscriptions: catch-up page by page, then live. A caught-up subscription sleeps until
 * (a) an append of this store instance commits, (b) a NOTIFY from any process (sent inside
 * the append transaction, so delivered at commit; one LISTEN connection per store), or
 * (c) the poll interval elapses (the safety net while LISTEN is reconnecting).
 */
import { toRows, type Row } from './event-rows.js';
import { PagedSubscription, type PagedSource } from './paged-subscription.js';
import type pg from 'pg';
import { lazyModule } from '../lazy-module.js';

const pgModule = lazyModule<typeof import('pg')>('pg');
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

export interface PostgresEventStoreOptions {
  /** postgres:// or postgresql:// URL */
  readonly connectionString: string;
  /** schema holding the tables (created if missing; default "public") */
  readonly schema?: string;
  /** the name the URL came from, used in error messages (default "EVENTSTORE_URL") */
  readonly urlVariable?: string;
  /** how often a caught-up subscription polls besides LISTEN/NOTIFY (default 500 ms) */
  readonly pollIntervalMs?: number;
  /** rows a subscription reads per page (default 500) */
  readonly subscriptionPageSize?: number;
  /** connections for reads (default 4); appends use one more, and LISTEN one more */
  readonly poolSize?: number;
  /** how long to wait for a connection (default 10 000 ms) */
  readonly connectTimeoutMs?: number;
}

export interface PostgresEventStoreStats {
  readonly transactions: number;
  readonly appends: number;
  readonly events: number;
  readonly maxBatch: number;
  /** batches that failed unexpectedly and were re-run append by append */
  readonly slowFlushes: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_REVISION = '9223372036854775807';
const SELECT_COLUMNS = 'position, stream_id, revision, type, data, metadata';

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
  readonly resolve: (r: AppendResult[]) => void;
  readonly reject: (e: unknown) => void;
}

type Queued = Pending | PendingMulti;

type Outcome = { ok: true; value: AppendResult | AppendResult[] } | { ok: false; error: unknown };

type Inserts = Record<
  'position' | 'stream' | 'revision' | 'id' | 'type' | 'data' | 'metadata' | 'recordedAt',
  string[]
>;

/** The streams a queued append writes. */
const partsOf = (p: Queued): readonly StreamRows[] => p.multi ?? [p];

interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  type: string;
  data: Record<string, unknown>;
  metadata: RecordedEvent['metadata'];
}

interface StoredId {
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: bigint;
}

function pos(n: bigint): GlobalPosition {
  return { commit: n, prepare: n };
}

/** A stream's last revision and position, as the batch sees it. */
interface StreamHead {
  readonly revision: bigint;
  readonly position: bigint;
}

/** What an empty append answers: the stream as it is. */
function currentResult(current: StreamHead | undefined): AppendResult {
  return current
    ? { nextExpectedRevision: current.revision, position: pos(current.position) }
    : { nextExpectedRevision: -1n, position: START };
}

/**
 * An idempotent retry: every id already stored in this stream, in order, consecutively ->
 * the original result; none stored -> undefined; some stored -> DuplicateEventIdError.
 */
function retryOf(p: StreamRows, stored: Map<string, StoredId>): AppendResult | undefined {
  let first: StoredId | undefined;
  let last: StoredId | undefined;
  let hits = 0;
  let consistent = true;
  let duplicateId: string | undefined;
  p.rows.forEach((r, i) => {
    const hit = stored.get(r.eventId.toLowerCase());
    if (!hit) {
      consistent = false;
      return;
    }
    hits++;
    duplicateId ??= r.eventId;
    first ??= hit;
    if (hit.streamId !== p.streamId || hit.revision !== first.revision + BigInt(i)) consistent = false;
    last = hit;
  });
  if (hits === 0) return undefined;
  if (consistent && last) {
    const l = last as StoredId;
    return { nextExpectedRevision: l.revision, position: pos(l.position) };
  }
  throw new DuplicateEventIdError(p.streamId, duplicateId!);
}

/** The same id twice in what is appended together is a DuplicateEventIdError. */
function checkIdsOnce(parts: readonly StreamRows[]): void {
  const seen = new Set<string>();
  for (const p of parts) {
    for (const r of p.rows) {
      const k = r.eventId.toLowerCase();
      if (seen.has(k)) throw new DuplicateEventIdError(p.streamId, r.eventId);
      seen.add(k);
    }
  }
}

function checkRevision(p: StreamRows, state: Map<string, StreamHead>): void {
  const current = state.get(p.streamId);
  if (!holds(p.expected, current?.revision)) {
    throw new WrongExpectedRevisionError(p.streamId, p.expected, current?.revision ?? 'no_stream');
  }
}

function toRecorded(r: EventRow): RecordedEvent {
  return {
    streamId: r.stream_id,
    revision: BigInt(r.revision),
    position: pos(BigInt(r.position)),
    type: r.type,
    data: r.data,
    metadata: r.metadata,
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

/** The server cannot be used (down, wrong URL, refused credentials); the message names the URL variable. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
}

/** Errors that mean "the server is not there", as opposed to a bad statement. */
function isConnectionError(e: unknown): boolean {
  if (e instanceof EventStoreUnavailableError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e instanceof Error && /terminat|timeout|connect/i.test(e.message);
  return /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|EPIPE|57P0[1-3]|08...)$/.test(code);
}

/** A pool/connection that was asked to describe where it points, for error messages. */
function describeTarget(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly writer: pg.Pool;
  private readonly schema: string;
  private readonly channel: string;
  /** advisory lock key serialising appends (computed by the server from the schema name) */
  private lockKey = '0';
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly urlVariable: string;
  private readonly target: string;
  private readonly connectionString: string;
  private readonly connectTimeoutMs: number;
  /** schema created, connection proven; rejects with a clear message when unreachable */
  private readonly initialized: Promise<void>;

  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly subscriptions = new Set<PagedSubscription<EventRow>>();
  /** bumped on every local commit and every NOTIFY */
  private commitSeq = 0;
  private listener: pg.Client | undefined;
  private listenerStarting = false;
  private listenerRetry: ReturnType<typeof setTimeout> | undefined;
  private counters = { transactions: 0, appends: 0, events: 0, maxBatch: 0, slowFlushes: 0 };

  constructor(options: PostgresEventStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_RE.test(schema)) throw new TypeError(`not a schema name: ${JSON.stringify(schema)}`);
    this.schema = schema;
    this.channel = `es_events_${schema}`;
    this.urlVariable = options.urlVariable ?? 'EVENTSTORE_URL';
    this.connectionString = options.connectionString;
    this.target = describeTarget(options.connectionString);
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 500);
    this.pageSize = Math.max(1, options.subscriptionPageSize ?? 500);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const base: pg.PoolConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: this.connectTimeoutMs,
      options: `-c search_path=${schema}`,
    };
    this.pool = new (pgModule().Pool)({ ...base, max: Math.max(1, options.poolSize ?? 4) });
    this.writer = new (pgModule().Pool)({ ...base, max: 1 });
    // an idle connection dropped by the server must not crash the process
    this.pool.on('error', () => undefined);
    this.writer.on('error', () => undefined);
    this.initialized = this.init();
    this.initialized.catch(() => undefined); // surfaced by every operation instead
  }

  /** Opens the store and proves the server is reachable (clear error naming the variable). */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      await store.initialized;
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
    return store;
  }

  private unreachable(e: unknown): Error {
    if (e instanceof EventStoreUnavailableError) return e;
    const why = e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
    const err = new EventStoreUnavailableError(
      `${this.urlVariable}: cannot use the PostgreSQL event store at ${this.target} (${why}). ` +
        `Is the server running and is ${this.urlVariable} right?`,
    );
    (err as { cause?: unknown }).cause = e;
    return err;
  }

  private async init(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.writer.connect();
    } catch (e) {
      throw this.unreachable(e);
    }
    try {
      await client.query('BEGIN');
      // concurrent CREATE ... IF NOT EXISTS can still collide: serialise schema creation
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('es-schema:' || $1::text))`, [this.schema]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.schema}.es_events (
          position    bigint PRIMARY KEY,
          stream_id   text   NOT NULL,
          revision    bigint NOT NULL,
          event_id    text   NOT NULL UNIQUE, -- lower-case UUID
          type        text   NOT NULL,
          data        json   NOT NULL,
          metadata    json   NOT NULL,
          recorded_at text   NOT NULL,
          UNIQUE (stream_id, revision)
        )`);
      await client.query(`CREATE INDEX IF NOT EXISTS es_events_type ON ${this.schema}.es_events (type, position)`);
      const r = await client.query<{ key: string }>(`SELECT hashtext('es-append:' || $1::text)::bigint AS key`, [
        this.schema,
      ]);
      this.lockKey = r.rows[0]!.key;
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      // whatever stops the tables from being created (refused login, missing database,
      // no privileges) is a configuration problem: name the variable
      throw this.unreachable(e);
    }
    client.release();
  }

  /** Resolves once the server answered and the tables exist; rejects with a message naming the URL variable. */
  async ready(): Promise<void> {
    await this.initialized;
  }

  stats(): PostgresEventStoreStats {
    return { ...this.counters };
  }

  // ---------------------------------------------------------------- append

  append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    let rows: Row[];
    try {
      this.ensureOpen();
      rows = toRows(streamId, events, expectedRevision);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, expected: expectedRevision, rows, resolve, reject });
      this.kick();
    });
  }

  /** All or none, in the transaction of the batch it joins (see the header). */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    let multi: StreamRows[];
    try {
      this.ensureOpen();
      checkDistinctStreams(appends);
      multi = appends.map((a) => ({
        streamId: a.streamId,
        expected: a.expectedRevision,
        rows: toRows(a.streamId, a.events, a.expectedRevision),
      }));
    } catch (e) {
      return Promise.reject(e);
    }
    if (multi.length === 0) return Promise.resolve([]);
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queue.push({ multi, resolve, reject });
      this.kick();
    });
  }

  /** Starts a flush unless one runs; a running flush starts the next one when done. */
  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = (async () => {
      // let the appends of this turn of the event loop join the batch
      await new Promise<void>((r) => setImmediate(r));
      try {
        while (this.queue.length > 0) {
          const batch = this.queue;
          this.queue = [];
          await this.flush(batch);
        }
      } finally {
        this.flushing = undefined;
      }
    })();
  }

  private async flush(batch: Queued[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      await this.initialized;
      try {
        outcomes = await this.runBatch(batch);
      } catch (e) {
        if (batch.length === 1 || isConnectionError(e)) throw e;
        // an unexpected statement error: isolate the culprit by running each alone
        this.counters.slowFlushes++;
        outcomes = [];
        for (const p of batch) {
          try {
            outcomes.push((await this.runBatch([p]))[0]!);
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }
    } catch (e) {
      const error = isConnectionError(e) ? this.unreachable(e) : e;
      for (const p of batch) p.reject(error);
      return;
    }
    let written = 0;
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i]!;
      const p = batch[i]!;
      if (!o.ok) {
        p.reject(o.error);
      } else if (p.multi) {
        for (const w of p.multi) written += w.rows.length;
        p.resolve(o.value as AppendResult[]); // runBatch answers a PendingMulti with an array
      } else {
        written += p.rows.length;
        p.resolve(o.value as AppendResult);
      }
    }
    if (written > 0) this.notifyLocal();
  }

  /** One transaction: lock, look up, decide each append in order, insert, notify, commit. */
  private async runBatch(batch: readonly Queued[]): Promise<Outcome[]> {
    const client = await this.writer.connect();
    let broken = false;
    try {
      // lockKey is an integer the server computed: safe to inline (one round trip for both)
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${BigInt(this.lockKey).toString()}::bigint)`);

      const parts = batch.flatMap(partsOf);
      const streamIds = [...new Set(parts.map((p) => p.streamId))];
      const ids = [...new Set(parts.flatMap((p) => p.rows.map((r) => r.eventId.toLowerCase())))];
      // one connection runs one query at a time: no Promise.all here
      const heads = await client.query<{ head: string | null }>('SELECT max(position) AS head FROM es_events');
      const streams = await client.query<{ stream_id: string; revision: string; position: string }>(
        `SELECT DISTINCT ON (stream_id) stream_id, revision, position FROM es_events
         WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision DESC`,
        [streamIds],
      );
      const found =
        ids.length === 0
          ? { rows: [] as { event_id: string; stream_id: string; revision: string; position: string }[] }
          : await client.query<{ event_id: string; stream_id: string; revision: string; position: string }>(
              'SELECT event_id, stream_id, revision, position FROM es_events WHERE event_id = ANY($1::text[])',
              [ids],
            );

      let head = BigInt(heads.rows[0]?.head ?? '0');
      const state = new Map<string, StreamHead>();
      for (const s of streams.rows)
        state.set(s.stream_id, { revision: BigInt(s.revision), position: BigInt(s.position) });
      const stored = new Map<string, StoredId>();
      for (const f of found.rows) {
        stored.set(f.event_id.toLowerCase(), {
          streamId: f.stream_id,
          revision: BigInt(f.revision),
          position: BigInt(f.position),
        });
      }

      const ins: Inserts = {
        position: [] as string[],
        stream: [] as string[],
        revision: [] as string[],
        id: [] as string[],
        type: [] as string[],
        data: [] as string[],
        metadata: [] as string[],
        recordedAt: [] as string[],
      };
      const outcomes: Outcome[] = [];
      const next = () => ++head;
      for (const p of batch) {
        try {
          outcomes.push({
            ok: true,
            value: p.multi
              ? this.decideMulti(p.multi, state, stored, next, ins)
              : this.decideMulti([p], state, stored, next, ins)[0]!,
          });
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) {
            outcomes.push({ ok: false, error });
          } else {
            throw error;
          }
        }
      }

      if (ins.position.length > 0) {
        // NOTIFY is delivered at commit, to every LISTENing store (all processes)
        await client.query(
          `WITH ins AS (
             INSERT INTO es_events (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::json[], $7::json[], $8::text[])
           )
           SELECT pg_notify($9, $10)`,
          [
            ins.position,
            ins.stream,
            ins.revision,
            ins.id,
            ins.type,
            ins.data,
            ins.metadata,
            ins.recordedAt,
            this.channel,
            head.toString(),
          ],
        );
      }
      await client.query('COMMIT');
      this.counters.transactions++;
      this.counters.appends += batch.length;
      this.counters.events += ins.position.length;
      if (batch.length > this.counters.maxBatch) this.counters.maxBatch = batch.length;
      return outcomes;
    } catch (e) {
      broken = isConnectionError(e);
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Decides an append of one or more streams (a plain append is the one-stream case)
   * against the state left by the appends before it in the batch. Order of checks (as
   * SQLite's careful path): idempotent retry (every id already stored in each stream, in
   * order, consecutively -> the original results; some ids stored -> DuplicateEventIdError),
   * an id twice in the call, then every expected revision; only then are rows added.
   */
  private decideMulti(
    multi: readonly StreamRows[],
    state: Map<string, StreamHead>,
    stored: Map<string, StoredId>,
    nextPosition: () => bigint,
    ins: Inserts,
  ): AppendResult[] {
    const retries = multi.map((w) => (w.rows.length > 0 ? retryOf(w, stored) : undefined));
    const found = retries.filter((r) => r !== undefined).length;
    if (found > 0) {
      const missing = multi.find((w, i) => w.rows.length > 0 && retries[i] === undefined);
      if (missing) {
        const done = multi.find((_, i) => retries[i] !== undefined)!;
        throw new DuplicateEventIdError(missing.streamId, done.rows[0]!.eventId);
      }
      return multi.map((w, i) => retries[i] ?? currentResult(state.get(w.streamId)));
    }
    checkIdsOnce(multi);
    for (const w of multi) checkRevision(w, state);
    return multi.map((w) => this.write(w, state, stored, nextPosition, ins));
  }

  /** Adds a checked stream's rows to the batch's inserts. */
  private write(
    p: StreamRows,
    state: Map<string, StreamHead>,
    stored: Map<string, StoredId>,
    nextPosition: () => bigint,
    ins: Inserts,
  ): AppendResult {
    const current = state.get(p.streamId);
    if (p.rows.length === 0) return currentResult(current);
    let revision = current?.revision ?? -1n;
    let position = 0n;
    for (const r of p.rows) {
      revision++;
      position = nextPosition();
      ins.position.push(position.toString());
      ins.stream.push(p.streamId);
      ins.revision.push(revision.toString());
      ins.id.push(r.eventId.toLowerCase()); // stored lower-case: one spelling per UUID
      ins.type.push(r.type);
      ins.data.push(r.data);
      ins.metadata.push(r.metadata);
      ins.recordedAt.push(r.recordedAt);
      stored.set(r.eventId.toLowerCase(), { streamId: p.streamId, revision, position });
    }
    state.set(p.streamId, { revision, position });
    return { nextExpectedRevision: revision, position: pos(position) };
  }

  // ---------------------------------------------------------------- reads

  private ensureOpen(): void {
    if (this.closed) throw new Error('PostgresEventStore is closed');
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    this.ensureOpen();
    await this.initialized;
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (e) {
      throw isConnectionError(e) ? this.unreachable(e) : e;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1;
    if (max === 0) {
      this.ensureOpen();
      return [];
    }
    const limit = max < 0 ? null : Math.floor(max);
    if (options.direction === 'backwards') {
      const from = options.fromRevision ?? BigInt(MAX_REVISION);
      const rows = await this.query<EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = $1 AND revision <= $2
         ORDER BY revision DESC LIMIT $3`,
        [streamId, clampRevision(from), limit],
      );
      return rows.map(toRecorded);
    }
    const rows = await this.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = $1 AND revision >= $2
       ORDER BY revision ASC LIMIT $3`,
      [streamId, clampRevision(options.fromRevision ?? 0n), limit],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1;
    if (max === 0) {
      this.ensureOpen();
      return [];
    }
    const rows = await this.readAllRows(
      options.after?.commit ?? -1n,
      null,
      max < 0 ? null : Math.floor(max),
      options.filter,
    );
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<GlobalPosition> {
    const head = await this.head();
    return head < 0n ? START : pos(head);
  }

  /** @internal position of the last event, -1n when empty */
  async head(): Promise<bigint> {
    const rows = await this.query<{ head: string | null }>('SELECT max(position) AS head FROM es_events', []);
    return rows[0]?.head == null ? -1n : BigInt(rows[0].head);
  }

  /** @internal rows with after < position (<= upTo), matching the filter, in log order */
  async readAllRows(
    after: bigint,
    upTo: bigint | null,
    limit: number | null,
    filter?: EventFilter,
  ): Promise<EventRow[]> {
    const prefixes = filter?.streamPrefixes ?? [];
    const types = filter?.eventTypes ?? [];
    const values: unknown[] = [clampPosition(after)];
    const where = ['position > $1'];
    if (upTo !== null) {
      values.push(clampPosition(upTo));
      where.push(`position <= $${values.length}`);
    }
    if (prefixes.length > 0) {
      values.push([...prefixes]);
      // starts_with is exact and case-sensitive (LIKE is neither)
      where.push(
        `EXISTS (SELECT 1 FROM unnest($${values.length}::text[]) AS p(prefix) WHERE starts_with(stream_id, p.prefix))`,
      );
    }
    if (types.length > 0) {
      values.push([...types]);
      where.push(`type = ANY($${values.length}::text[])`);
    }
    values.push(limit);
    return this.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events WHERE ${where.join(' AND ')} ORDER BY position LIMIT $${values.length}`,
      values,
    );
  }

  // ---------------------------------------------------------------- subscriptions

  /** How subscriptions read this store's log. */
  private readonly pagedSource: PagedSource<EventRow> = {
    sequence: () => this.commitSeq,
    head: () => this.head(),
    readRows: (after, upTo, limit, filter) => this.readAllRows(after, upTo, limit, filter),
    positionOf: (row) => BigInt(row.position),
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
      (e: unknown) => isConnectionError((e as { cause?: unknown }).cause ?? e),
    );
    this.subscriptions.add(sub);
    this.startListener();
    return sub;
  }

  /** @internal */
  forget(sub: PagedSubscription<EventRow>): void {
    this.subscriptions.delete(sub);
  }

  private notifyLocal(): void {
    this.commitSeq++;
    for (const s of this.subscriptions) s.wake();
  }

  /** One LISTEN connection per store, (re)opened while subscriptions exist. */
  private startListener(): void {
    if (this.listener || this.listenerStarting || this.closed) return;
    this.listenerStarting = true;
    const client = new (pgModule().Client)({
      connectionString: this.connectionString,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    const retry = (): void => {
      if (this.listener === client) this.listener = undefined;
      this.listenerStarting = false;
      if (this.closed || this.subscriptions.size === 0 || this.listenerRetry) return;
      this.listenerRetry = setTimeout(() => {
        this.listenerRetry = undefined;
        if (this.subscriptions.size > 0) this.startListener();
      }, 1_000);
      this.listenerRetry.unref?.();
    };
    client.on('error', () => {
      client.end().catch(() => undefined);
      retry();
    });
    client.on('end', retry);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.notifyLocal();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}`))
      .then(async () => {
        this.listenerStarting = false;
        if (this.closed) {
          await client.end().catch(() => undefined);
          return;
        }
        this.listener = client;
        this.notifyLocal(); // anything committed while we were not listening
      })
      .catch(() => {
        client.end().catch(() => undefined);
        retry();
      });
  }

  // ---------------------------------------------------------------- lifecycle

  async close(): Promise<void> {
    if (this.closed) return;
    // write what is queued before closing
    this.kick();
    while (this.flushing) await this.flushing;
    this.closed = true;
    if (this.listenerRetry) clearTimeout(this.listenerRetry);
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const listener = this.listener;
    this.listener = undefined;
    await Promise.all([
      listener?.end().catch(() => undefined),
      this.pool.end().catch(() => undefined),
      this.writer.end().catch(() => undefined),
    ]);
  }
}

function clampRevision(r: bigint): string {
  if (r > BigInt(MAX_REVISION)) return MAX_REVISION;
  return r.toString();
}

function clampPosition(p: bigint): string {
  return p > BigInt(MAX_REVISION) ? MAX_REVISION : p.toString();
}
