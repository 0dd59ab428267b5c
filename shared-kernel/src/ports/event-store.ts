/**
 * The event store port. Every adapter (SQLite, EventStoreDB, ...) passes the same
 * contract suite in `shared-kernel/test/event-store.contract.ts`.
 *
 * Revisions and positions are 64-bit in EventStoreDB, so they are `bigint` here and
 * strings whenever they cross JSON.
 */

/** A position in the global log. EventStoreDB has two numbers; SQLite uses one for both. */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: GlobalPosition = Object.freeze({ commit: -1n, prepare: -1n });

/** What the writer expects the stream's current revision to be. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export interface Actor {
  /** user id, or the name of the system component */
  readonly id: string;
  readonly role: 'customer' | 'provider' | 'admin' | 'analyst' | 'system';
}

export interface EventMetadata {
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  readonly schemaVersion: number;
  /** ISO-8601 UTC instant */
  readonly recordedAt: string;
  /** W3C trace context of the append that wrote the event, when tracing is on (observability only) */
  readonly traceparent?: string;
}

/** An event as the writer hands it over. */
export interface NewEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
}

/** An event as it is stored and read back. `data` is as stored (not yet upcast). */
export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: GlobalPosition;
}

export interface AppendResult {
  /** revision of the last event now in the stream */
  readonly nextExpectedRevision: bigint;
  /** position of the last appended event */
  readonly position: GlobalPosition;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** first revision to read (inclusive); defaults to start (forwards) or end (backwards) */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface EventFilter {
  readonly streamPrefixes?: readonly string[];
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** read events strictly after this position; START reads from the beginning */
  readonly after?: GlobalPosition;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface SubscribeOptions {
  /** deliver events strictly after this position (catch-up), then live ones */
  readonly after?: GlobalPosition;
  readonly filter?: EventFilter;
}

/** A subscription: iterate with `for await`; the next event is fetched only after the
 *  handler awaited, so back-pressure holds. `close()` ends the iteration. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/** One stream's part of an append to several streams at once (`EventStore.appendToStreams`). */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
}

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams ALL OR NONE, in one transaction (one fsync). Every stream's
   * expected revision is checked first; when one fails the call rejects with the
   * WrongExpectedRevisionError naming that stream (a DuplicateEventIdError likewise) and
   * no stream is written. The results follow the order of `appends`, each what `append`
   * would have returned for its stream; the events take positions in that order, stream
   * after stream, adjacent in the log. A stream may appear only once (TypeError). A retry
   * of a call whose events are all stored returns the original results.
   *
   * OPTIONAL: only a store that can make it atomic has it. EventStoreDB through
   * @eventstore/db-client cannot (one append per stream, no transaction across streams),
   * so its adapter leaves it out, and callers fall back to sequential appends plus their
   * own compensation. Wrappers offer it exactly when the store they wrap does.
   */
  appendToStreams?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Events of one stream. A stream that does not exist reads as an empty list. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event in the log (START if empty). */
  headPosition(): Promise<GlobalPosition>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** The writes of one `appendToStreams` call name distinct streams (a TypeError otherwise). */
export function checkDistinctStreams(appends: readonly StreamAppend[]): void {
  const seen = new Set<string>();
  for (const a of appends) {
    if (seen.has(a.streamId)) throw new TypeError(`stream ${a.streamId} appears twice in one appendToStreams`);
    seen.add(a.streamId);
  }
}

/** Raised when the expected revision does not hold. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** Raised when the same event id is appended in a way that cannot be an idempotent retry. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`stream ${streamId}: event id ${eventId} already stored elsewhere`);
  }
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** JSON form of a position: "c" when both numbers agree (SQLite), "c/p" otherwise. */
export function formatPosition(p: GlobalPosition): string {
  return p.commit === p.prepare ? p.commit.toString() : `${p.commit}/${p.prepare}`;
}

export function parsePosition(text: string): GlobalPosition {
  const m = /^(-?\d{1,20})(?:\/(-?\d{1,20}))?$/.exec(text);
  if (!m) throw new RangeError(`not a position: ${JSON.stringify(text)}`);
  const commit = BigInt(m[1]!);
  const prepare = m[2] === undefined ? commit : BigInt(m[2]);
  return { commit, prepare };
}

/** A fixed-width string that sorts like the position, for document stores. */
const padPosition = (n: bigint) => (n < 0n ? '00000000000000000000' : n.toString().padStart(20, '0'));

export function sortablePosition(p: GlobalPosition): string {
  const commit = padPosition(p.commit);
  // one log position (SQLite, PostgreSQL): both halves are the same text
  return `${commit}.${p.prepare === p.commit ? commit : padPosition(p.prepare)}`;
}

export function parseSortablePosition(text: string): GlobalPosition {
  const m = /^(\d{20})\.(\d{20})$/.exec(text);
  if (!m) throw new RangeError(`not a sortable position: ${JSON.stringify(text)}`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}
