/**
 * Production event store: EventStoreDB through @eventstore/db-client (gRPC).
 *
 * Same contract as the SQLite adapter, with what the server cannot do spelled out:
 * - Event ids are deduplicated by the server per stream, reliably only with an exact
 *   expected revision ('no_stream' or a revision). An id already stored in ANOTHER stream
 *   is not detected (there is no global id index); the SQLite adapter rejects it.
 * - Metadata is stored with `$correlationId` / `$causationId` (so the `$by_correlation_id`
 *   projection works) plus our fields; the event id is the EventStoreDB event id.
 * - `readAll` filters on the client (the client's readAll has no server-side filter);
 *   subscriptions filter on the server and again on the client.
 * - System events (`$` types or streams) and non-JSON events are never returned.
 * - Every number the client returns is coerced with BigInt(); positions are (commit, prepare).
 * - No `appendToStreams`: the client appends to one stream per call and the server has no
 *   transaction spanning streams, so several appends could not be made all-or-none (a crash
 *   or a conflict between them leaves the first ones stored). Rather than offer a
 *   sequential imitation under an atomic name, the adapter leaves the optional method out;
 *   callers see that and append one stream after the other with their own compensation
 *   (e.g. place-booking releases the capacity it held when the booking cannot be recorded).
 */
import type * as Esdb from '@eventstore/db-client';
import type {
  AllStreamSubscription,
  AppendExpectedRevision,
  EventStoreDBClient,
  Filter,
  ReadPosition,
} from '@eventstore/db-client';
import { lazyModule } from '../lazy-module.js';

const esdb = lazyModule<typeof Esdb>('@eventstore/db-client');
import {
  DuplicateEventIdError,
  START,
  WrongExpectedRevisionError,
  comparePositions,
  type Actor,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../ports/event-store.js';

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://admin:changeit@localhost:2113?tls=false`; or pass `client` */
  readonly connectionString?: string;
  /** an existing client (not disposed by close()) */
  readonly client?: EventStoreDBClient;
  /** first delay before resubscribing after a dropped subscription (default 250 ms) */
  readonly resubscribeInitialDelayMs?: number;
  /** cap of the doubling delay (default 10 s) */
  readonly resubscribeMaxDelayMs?: number;
  /** told about every subscription drop before the adapter resubscribes */
  readonly onSubscriptionDropped?: (error: unknown, attempt: number) => void;
}

/** What we store as EventStoreDB event metadata. */
interface StoredMetadata {
  readonly $correlationId: string;
  readonly $causationId: string;
  readonly actor: Actor;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  /** W3C trace context of the append that wrote it (when tracing is on) */
  readonly traceparent?: string;
}

/** The fields of a client RecordedEvent we use (JSON or binary). */
interface EsdbRecord {
  readonly streamId: string;
  readonly id: string;
  readonly isJson: boolean;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: { readonly commit: bigint; readonly prepare: bigint } | undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const READ_PAGE = 1000;
/** how far back an append that failed its expected revision looks for its own event ids */
const RETRY_SCAN = 4096;

function coercePosition(p: {
  readonly commit: bigint | number | string;
  readonly prepare: bigint | number | string;
}): GlobalPosition {
  return { commit: BigInt(p.commit), prepare: BigInt(p.prepare) };
}

function isSystem(e: EsdbRecord): boolean {
  return e.type.startsWith('$') || e.streamId.startsWith('$');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function matches(e: { streamId: string; type: string }, filter: EventFilter | undefined): boolean {
  const prefixes = filter?.streamPrefixes;
  if (prefixes && prefixes.length > 0 && !prefixes.some((p) => e.streamId.startsWith(p))) return false;
  const types = filter?.eventTypes;
  if (types && types.length > 0 && !types.includes(e.type)) return false;
  return true;
}

/** Our event, or undefined for system / non-JSON events. */
function toRecorded(e: EsdbRecord): RecordedEvent | undefined {
  if (isSystem(e) || !e.isJson || !isObject(e.data)) return undefined;
  const md = (isObject(e.metadata) ? e.metadata : {}) as Partial<StoredMetadata>;
  const position = e.position ? coercePosition(e.position) : START;
  return {
    streamId: e.streamId,
    revision: BigInt(e.revision),
    position,
    type: e.type,
    data: e.data,
    metadata: {
      eventId: e.id,
      correlationId: md.$correlationId ?? e.id,
      causationId: md.$causationId ?? e.id,
      actor: md.actor ?? { id: 'unknown', role: 'system' },
      schemaVersion: md.schemaVersion ?? 1,
      recordedAt: md.recordedAt ?? e.created.toISOString(),
      ...(typeof md.traceparent === 'string' ? { traceparent: md.traceparent } : {}),
    },
  };
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return 'no_stream'; // NO_STREAM
    case 'stream_exists':
      return 'stream_exists'; // STREAM_EXISTS
    case 'any':
      return 'any'; // ANY
    default:
      if (typeof expected !== 'bigint' || expected < 0n) {
        throw new RangeError(`not an expected revision: ${String(expected)}`);
      }
      return expected;
  }
}

function holds(expected: ExpectedRevision, current: bigint | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === undefined;
  if (expected === 'stream_exists') return current !== undefined;
  return current === expected;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Server-side filter (narrows the wire); matches() then applies the whole filter. */
function serverFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamPrefixes && filter.streamPrefixes.length > 0) {
    return esdb().streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  }
  if (filter?.eventTypes && filter.eventTypes.length > 0) {
    return esdb().eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return esdb().excludeSystemEvents();
}

function toReadPosition(p: GlobalPosition | undefined): ReadPosition {
  if (!p || p.commit < 0n) return esdb().START;
  return { commit: p.commit, prepare: p.prepare };
}

export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  constructor(private readonly options: EventStoreDbEventStoreOptions) {
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else if (options.connectionString) {
      this.client = esdb().EventStoreDBClient.connectionString(options.connectionString);
      this.ownsClient = true;
    } else {
      throw new TypeError('EventStoreDbEventStore needs a connectionString or a client');
    }
  }

  // ---------------------------------------------------------------- append

  async append(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    this.ensureOpen();
    if (typeof streamId !== 'string' || streamId.length === 0) {
      throw new TypeError('streamId must be a non-empty string');
    }
    const esdbExpected = toEsdbExpected(expectedRevision);
    if (events.length === 0) return this.checkOnly(streamId, expectedRevision);

    const seen = new Set<string>();
    const data = events.map((e, i) => {
      const id = e.metadata?.eventId;
      if (typeof id !== 'string' || !UUID_RE.test(id)) {
        throw new TypeError(`event ${i} of ${streamId}: metadata.eventId must be a UUID`);
      }
      if (seen.has(id)) throw new DuplicateEventIdError(streamId, id);
      seen.add(id);
      const metadata: StoredMetadata = {
        $correlationId: e.metadata.correlationId,
        $causationId: e.metadata.causationId,
        actor: e.metadata.actor,
        schemaVersion: e.metadata.schemaVersion,
        recordedAt: e.metadata.recordedAt,
        ...(e.metadata.traceparent ? { traceparent: e.metadata.traceparent } : {}),
      };
      return esdb().jsonEvent({ id, type: e.type, data: e.data, metadata: { ...metadata } });
    });

    let result;
    try {
      result = await this.client.appendToStream(streamId, data, { expectedRevision: esdbExpected });
    } catch (error) {
      if (error instanceof esdb().WrongExpectedVersionError) {
        const retry = await this.findRetry(streamId, events);
        if (retry) return retry;
        throw new WrongExpectedRevisionError(
          streamId,
          expectedRevision,
          error.actualVersion === 'no_stream' ? 'no_stream' : BigInt(error.actualVersion),
        );
      }
      throw error;
    }
    if (!result.success) {
      // only with a client built with throwOnAppendFailure=false
      const retry = await this.findRetry(streamId, events);
      if (retry) return retry;
      const last = await this.lastEvent(streamId);
      throw new WrongExpectedRevisionError(streamId, expectedRevision, last?.revision ?? 'no_stream');
    }
    const nextExpectedRevision = BigInt(result.nextExpectedRevision);
    // an idempotent write may come back without a position: look the event up
    const position =
      result.position && BigInt(result.position.commit) >= 0n
        ? coercePosition(result.position)
        : ((await this.eventAt(streamId, nextExpectedRevision))?.position ?? START);
    return { nextExpectedRevision, position };
  }

  /** An empty append only checks the expected revision. */
  private async checkOnly(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const last = await this.lastEvent(streamId);
    if (!holds(expected, last?.revision)) {
      throw new WrongExpectedRevisionError(streamId, expected, last?.revision ?? 'no_stream');
    }
    return last
      ? { nextExpectedRevision: last.revision, position: last.position }
      : { nextExpectedRevision: -1n, position: START };
  }

  /**
   * After a failed expected revision: the same ids, in order, at consecutive revisions of
   * this stream -> the original result (a retry the server did not recognise); some of
   * them there -> DuplicateEventIdError; none -> undefined.
   */
  private async findRetry(streamId: string, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
    const wanted = new Set(events.map((e) => e.metadata.eventId.toLowerCase()));
    const found = new Map<string, { revision: bigint; position: GlobalPosition }>();
    for (const e of await this.readRaw(streamId, esdb().BACKWARDS, esdb().END, RETRY_SCAN)) {
      const id = e.id.toLowerCase();
      if (wanted.has(id)) {
        found.set(id, {
          revision: BigInt(e.revision),
          position: e.position ? coercePosition(e.position) : START,
        });
      }
    }
    if (found.size === 0) return undefined;
    const hits = events.map((e) => found.get(e.metadata.eventId.toLowerCase()));
    const first = hits[0];
    if (first && hits.every((h, i) => h !== undefined && h.revision === first.revision + BigInt(i))) {
      const last = hits[hits.length - 1]!;
      return { nextExpectedRevision: last.revision, position: last.position };
    }
    const dup = events.find((e) => found.has(e.metadata.eventId.toLowerCase()))!;
    throw new DuplicateEventIdError(streamId, dup.metadata.eventId);
  }

  // ---------------------------------------------------------------- reads

  private ensureOpen(): void {
    if (this.closed) throw new Error('EventStoreDbEventStore is closed');
  }

  /** Raw records of one stream (system and binary ones included); [] when missing. */
  private async readRaw(
    streamId: string,
    direction: typeof Esdb.FORWARDS | typeof Esdb.BACKWARDS,
    fromRevision: bigint | typeof Esdb.START | typeof Esdb.END,
    maxCount?: number,
  ): Promise<EsdbRecord[]> {
    const out: EsdbRecord[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction,
        fromRevision,
        ...(maxCount !== undefined ? { maxCount } : {}),
      });
      for await (const resolved of read) {
        const e = resolved.event as EsdbRecord | undefined;
        if (!e) continue;
        out.push(
          e.position || resolved.commitPosition === undefined
            ? e
            : { ...e, position: { commit: resolved.commitPosition, prepare: resolved.commitPosition } },
        );
      }
    } catch (error) {
      if (error instanceof esdb().StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  private async lastEvent(streamId: string): Promise<{ revision: bigint; position: GlobalPosition } | undefined> {
    const [e] = await this.readRaw(streamId, esdb().BACKWARDS, esdb().END, 1);
    return e ? { revision: BigInt(e.revision), position: e.position ? coercePosition(e.position) : START } : undefined;
  }

  private async eventAt(streamId: string, revision: bigint): Promise<{ position: GlobalPosition } | undefined> {
    const [e] = await this.readRaw(streamId, esdb().FORWARDS, revision, 1);
    return e && BigInt(e.revision) === revision && e.position ? { position: coercePosition(e.position) } : undefined;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const max = options.maxCount;
    if (max !== undefined && max <= 0) return [];
    const backwards = options.direction === 'backwards';
    const raw = await this.readRaw(
      streamId,
      backwards ? esdb().BACKWARDS : esdb().FORWARDS,
      options.fromRevision ?? (backwards ? esdb().END : esdb().START),
      max === undefined ? undefined : Math.floor(max),
    );
    const out: RecordedEvent[] = [];
    for (const e of raw) {
      const r = toRecorded(e);
      if (r) out.push(r);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (max <= 0) return [];
    let after = options.after ?? START;
    const out: RecordedEvent[] = [];
    for (;;) {
      // fromPosition is inclusive for reads: the event at `after` is skipped below
      const read = this.client.readAll({
        direction: esdb().FORWARDS,
        fromPosition: toReadPosition(after),
        maxCount: READ_PAGE,
      });
      let n = 0;
      let pageLast: GlobalPosition | undefined;
      let full = false;
      for await (const resolved of read) {
        n++;
        const e = resolved.event as EsdbRecord | undefined;
        if (!e?.position) continue;
        const p = coercePosition(e.position);
        pageLast = p;
        if (comparePositions(p, after) <= 0) continue;
        const r = toRecorded(e);
        if (r && matches(r, options.filter)) {
          out.push(r);
          if (out.length >= max) {
            full = true;
            break;
          }
        }
      }
      if (full) {
        await read.cancel().catch(() => undefined);
        return out;
      }
      if (n < READ_PAGE || !pageLast) return out;
      after = pageLast;
    }
  }

  async headPosition(): Promise<GlobalPosition> {
    this.ensureOpen();
    // the last event that is ours (the server writes `$` events of its own all the time)
    let from: ReadPosition = esdb().END;
    for (;;) {
      const read = this.client.readAll({ direction: esdb().BACKWARDS, fromPosition: from, maxCount: READ_PAGE });
      let n = 0;
      let pageLast: GlobalPosition | undefined;
      for await (const resolved of read) {
        n++;
        const e = resolved.event as EsdbRecord | undefined;
        if (!e?.position) continue;
        pageLast = coercePosition(e.position);
        if (!isSystem(e)) {
          await read.cancel().catch(() => undefined);
          return pageLast;
        }
      }
      if (n < READ_PAGE || !pageLast) return START;
      from = pageLast;
    }
  }

  // ---------------------------------------------------------------- subscriptions

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.ensureOpen();
    const sub = new EsdbSubscription(
      this.client,
      options.after ?? START,
      options.filter,
      Math.max(1, this.options.resubscribeInitialDelayMs ?? 250),
      Math.max(1, this.options.resubscribeMaxDelayMs ?? 10_000),
      this.options.onSubscriptionDropped,
      (s) => this.subscriptions.delete(s),
    );
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.ownsClient) await this.client.dispose();
  }
}

/**
 * Catch-up + live over `$all`. The gRPC stream is read with `for await`, so the next event
 * is pulled only after the consumer asked for it (the readable's buffer, then gRPC flow
 * control, hold the server back). On error or end it resubscribes from the last position
 * handed out, with a doubling delay; positions at or before it are skipped.
 */
class EsdbSubscription implements Subscription {
  private closed = false;
  private current: AllStreamSubscription | undefined;
  private wakeSleeper: (() => void) | undefined;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private after: GlobalPosition,
    private readonly filter: EventFilter | undefined,
    private readonly initialDelayMs: number,
    private readonly maxDelayMs: number,
    private readonly onDropped: ((error: unknown, attempt: number) => void) | undefined,
    private readonly onClosed: (s: EsdbSubscription) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    let delay = this.initialDelayMs;
    let attempt = 0;
    try {
      while (!this.closed) {
        const sub = this.client.subscribeToAll({
          fromPosition: toReadPosition(this.after),
          filter: serverFilter(this.filter),
        });
        this.current = sub;
        let dropped: unknown = new Error('subscription ended');
        try {
          for await (const resolved of sub) {
            if (this.closed) break;
            const e = resolved.event as EsdbRecord | undefined;
            if (!e?.position) continue;
            const p = coercePosition(e.position);
            if (comparePositions(p, this.after) <= 0) continue; // seen before a resubscribe
            this.after = p;
            delay = this.initialDelayMs;
            attempt = 0;
            const r = toRecorded(e);
            if (r && matches(r, this.filter)) yield r;
          }
        } catch (error) {
          dropped = error;
        } finally {
          this.current = undefined;
          await sub.unsubscribe().catch(() => undefined);
        }
        if (this.closed) break;
        attempt++;
        this.onDropped?.(dropped, attempt);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxDelayMs);
      }
    } finally {
      this.closed = true;
      this.onClosed(this);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  async close(): Promise<void> {
    if (this.closed && !this.current) return;
    this.closed = true;
    this.onClosed(this);
    this.wakeSleeper?.();
    const sub = this.current;
    if (sub) {
      await sub.unsubscribe().catch(() => undefined);
      sub.destroy(); // ends a pending `for await` on it promptly
    }
  }
}
