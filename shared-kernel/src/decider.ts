/**
 * Deciders are pure: `decide(command, state) -> events` (or a thrown AppError) and
 * `evolve(state, event) -> state`. `executeCommand` is the one place that does the I/O
 * around them: load, fold, decide, append with the expected revision, retry on conflict.
 */
import type { AppendResult, EventStore, ExpectedRevision, GlobalPosition, NewEvent } from './ports/event-store.js';
import { WrongExpectedRevisionError } from './ports/event-store.js';
import { eventCatalogue, type DomainEvent, type EventOf } from './events/index.js';
import { ConflictError, PreconditionFailedError } from './errors.js';
import { newId } from './primitives/ids.js';
import type { Clock } from './primitives/clock.js';
import type { Actor } from './ports/event-store.js';

export interface Decider<C, S, E extends EventOf<string, unknown>> {
  readonly initialState: S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
}

/** Who asked, and which request or event caused it. */
export interface CommandContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
}

export interface CommandResult<S, E> {
  readonly events: E[];
  readonly state: S;
  /** revision of the stream after the command (-1 when it still does not exist) */
  readonly revision: bigint;
  /** global position of the last appended event, or null when nothing was appended */
  readonly position: GlobalPosition | null;
}

interface CachedState {
  state: unknown;
  revision: bigint;
}

/**
 * Keeps folded states of recently used streams so a load reads only the events appended
 * since (a hot inventory stream must not be re-read from the start on every booking).
 */
export class StateCache {
  private readonly entries = new Map<string, CachedState>();
  constructor(private readonly capacity = 10_000) {}
  get(key: string): CachedState | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: CachedState): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/**
 * Serialises commands on the same stream within this process: concurrent requests for one
 * hot slot queue here instead of colliding at the append and burning their retries.
 * Writers in other processes are still caught by the expected revision.
 */
export class StreamLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(fn, fn);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface CommandRuntime {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly cache: StateCache;
  readonly locks: StreamLocks;
  /** how many times a conflicting append is re-decided before giving up with 409 */
  readonly maxRetries: number;
}

export function createCommandRuntime(store: EventStore, clock: Clock, maxRetries = 5): CommandRuntime {
  return { store, clock, cache: new StateCache(), locks: new StreamLocks(), maxRetries };
}

/** Loads a stream and folds it with `decider`, reading only what the cache lacks. */
export async function loadState<S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Pick<Decider<unknown, S, E>, 'initialState' | 'evolve'>,
): Promise<{ state: S; revision: bigint }> {
  const key = `${streamId}`;
  const cached = runtime.cache.get(key);
  let state = (cached?.state as S | undefined) ?? decider.initialState;
  let revision = cached?.revision ?? -1n;
  const recorded = await runtime.store.readStream(streamId, { fromRevision: revision + 1n });
  for (const r of recorded) {
    const event = eventCatalogue.decode<E>(r);
    state = decider.evolve(state, event);
    revision = r.revision;
  }
  if (recorded.length > 0 || !cached) runtime.cache.set(key, { state, revision });
  return { state, revision };
}

export function toNewEvents(events: readonly DomainEvent[], ctx: CommandContext, clock: Clock): NewEvent[] {
  const recordedAt = clock.now().toISOString();
  return events.map((e) => {
    const problems = eventCatalogue.problems(e.type, e.data);
    if (problems.length > 0) {
      // A decider produced an event its own schema refuses: a programming error.
      throw new Error(`refusing to append malformed ${e.type}: ${problems.join('; ')}`);
    }
    return {
      type: e.type,
      data: { ...(e.data as object) } as Record<string, unknown>,
      metadata: {
        eventId: newId(),
        correlationId: ctx.correlationId,
        causationId: ctx.causationId,
        actor: ctx.actor,
        schemaVersion: eventCatalogue.currentVersion(e.type),
        recordedAt,
      },
    };
  });
}

/**
 * Loads `streamId`, decides `command`, appends the events with the loaded revision as
 * the expected one, and re-decides on fresh state when another writer got there first.
 * With `ifMatch` (an HTTP If-Match) a conflict is not retried: it is a 412.
 */
export async function executeCommand<C, S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Decider<C, S, E>,
  command: C | ((state: S) => C),
  ctx: CommandContext,
  options: { ifMatch?: bigint } = {},
): Promise<CommandResult<S, E>> {
  return runtime.locks.run(streamId, () => decideAndAppend(runtime, streamId, decider, command, ctx, options));
}

async function decideAndAppend<C, S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Decider<C, S, E>,
  command: C | ((state: S) => C),
  ctx: CommandContext,
  options: { ifMatch?: bigint },
): Promise<CommandResult<S, E>> {
  for (let attempt = 0; ; attempt++) {
    const { state, revision } = await loadState(runtime, streamId, decider);
    if (options.ifMatch !== undefined && options.ifMatch !== revision) {
      throw new PreconditionFailedError(`${streamId} is at revision ${revision}, not ${options.ifMatch}`);
    }
    const cmd = typeof command === 'function' ? (command as (s: S) => C)(state) : command;
    const events = decider.decide(cmd, state);
    if (events.length === 0) return { events, state, revision, position: null };
    const expected: ExpectedRevision = revision < 0n ? 'no_stream' : revision;
    let result: AppendResult;
    try {
      result = await runtime.store.append(streamId, toNewEvents(events, ctx, runtime.clock), expected);
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError)) throw err;
      if (options.ifMatch !== undefined) {
        throw new PreconditionFailedError(`${streamId} changed while the command ran`);
      }
      if (attempt >= runtime.maxRetries) {
        throw new ConflictError(`${streamId} kept changing; gave up after ${attempt + 1} attempts`);
      }
      continue;
    }
    const newState = events.reduce(decider.evolve, state);
    runtime.cache.set(streamId, { state: newState, revision: result.nextExpectedRevision });
    return { events, state: newState, revision: result.nextExpectedRevision, position: result.position };
  }
}
