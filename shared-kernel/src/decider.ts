/**
 * Deciders are pure: `decide(command, state) -> events` (or a thrown AppError) and
 * `evolve(state, event) -> state`. `executeCommand` is the one place that does the I/O
 * around them: load, fold, decide, append with the expected revision, retry on conflict.
 * `executeCommandsTogether` does the same for two commands on two streams whose events
 * must be stored together.
 */
import type { AppendResult, EventStore, ExpectedRevision, GlobalPosition, NewEvent } from './ports/event-store.js';
import { WrongExpectedRevisionError } from './ports/event-store.js';
import { eventCatalogue, type DomainEvent, type EventOf } from './events/index.js';
import { ConflictError, PreconditionFailedError } from './errors.js';
import { newId } from './primitives/ids.js';
import type { Clock } from './primitives/clock.js';
import type { Actor } from './ports/event-store.js';
import {
  noSnapshot,
  readSnapshot,
  snapshotIfDue,
  type SnapshotCodec,
  type SnapshotMark,
  type SnapshotSettings,
} from './snapshots.js';

export interface Decider<C, S, E extends EventOf<string, unknown>> {
  readonly initialState: S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  /** for deciders whose streams grow long: cold loads start from a snapshot */
  readonly snapshot?: SnapshotCodec<S>;
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
  /** one object per stream, carried from entry to entry */
  snapshots: SnapshotMark;
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

/** A command on another stream, decided with a queued command and appended with it. */
interface JoinedCommand {
  readonly streamId: string;
  readonly decider: Decider<unknown, unknown, DomainEvent>;
  readonly command: unknown;
  readonly newStream: boolean;
}

interface QueuedCommand {
  readonly decider: Decider<unknown, unknown, DomainEvent>;
  readonly command: unknown;
  readonly ctx: CommandContext;
  readonly ifMatch: bigint | undefined;
  /** the stream id was just minted: nothing can be stored under it yet */
  readonly newStream: boolean;
  /** decided after this command, on its own stream; the events of both are stored all or none */
  readonly joined?: JoinedCommand;
  /** `joined` is the joined command's result (present when the entry has one) */
  resolve(result: CommandResult<unknown, DomainEvent>, joined?: CommandResult<unknown, DomainEvent>): void;
  reject(error: unknown): void;
}

/**
 * Commands on one stream queue here. While one batch is being appended, the commands that
 * arrive for the same stream wait; the next batch decides them one after the other on the
 * state the previous one left, and appends all their events in ONE append (one fsync).
 * A hot product or slot thus takes many bookings per disk flush instead of one, and
 * writers in this process never collide. Writers in other processes are still caught by
 * the expected revision.
 */
export class StreamQueues {
  private readonly queues = new Map<string, QueuedCommand[]>();
  constructor(readonly maxBatch = 128) {}

  enqueue(
    streamId: string,
    entry: QueuedCommand,
    run: (streamId: string, batch: QueuedCommand[]) => Promise<void>,
  ): void {
    const queue = this.queues.get(streamId);
    if (queue) {
      queue.push(entry);
      return;
    }
    const fresh = [entry];
    this.queues.set(streamId, fresh);
    void this.drain(streamId, fresh, run);
  }

  private async drain(
    streamId: string,
    queue: QueuedCommand[],
    run: (streamId: string, batch: QueuedCommand[]) => Promise<void>,
  ): Promise<void> {
    while (queue.length > 0) {
      // One decider per batch: the stream's state is folded by it.
      const decider = queue[0]!.decider;
      let n = 0;
      while (n < queue.length && n < this.maxBatch && queue[n]!.decider === decider) n++;
      const batch = queue.splice(0, n);
      try {
        await run(streamId, batch);
      } catch (err) {
        for (const e of batch) e.reject(err);
      }
    }
    this.queues.delete(streamId);
  }
}

export interface CommandRuntime {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly cache: StateCache;
  readonly queues: StreamQueues;
  /** how many times a conflicting append is re-decided before giving up with 409 */
  readonly maxRetries: number;
  /** told how commands end (metrics); without one nothing extra runs */
  readonly observer?: CommandObserver;
  /** where deciders with a SnapshotCodec keep snapshots; without it they fold from events */
  readonly snapshots?: SnapshotSettings;
}

/** What the metrics see of commands: the outcome per command type, conflicts, retries. */
export interface CommandObserver {
  accepted(command: string): void;
  rejected(command: string, err: unknown): void;
  /** an append was refused for a stale revision; `retried` commands are decided again */
  conflicted(retried: number): void;
}

export function createCommandRuntime(
  store: EventStore,
  clock: Clock,
  maxRetries = 5,
  observer?: CommandObserver,
  snapshots?: SnapshotSettings,
): CommandRuntime {
  return {
    store,
    clock,
    cache: new StateCache(),
    queues: new StreamQueues(),
    maxRetries,
    ...(observer ? { observer } : {}),
    ...(snapshots ? { snapshots } : {}),
  };
}

type Folding<S, E extends DomainEvent> = Pick<Decider<unknown, S, E>, 'initialState' | 'evolve' | 'snapshot'>;

/** Loads a stream and folds it with `decider`, reading only what the cache lacks. */
export async function loadState<S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Folding<S, E>,
): Promise<{ state: S; revision: bigint }> {
  const { state, revision } = await loadEntry(runtime, streamId, decider);
  return { state: state as S, revision };
}

/**
 * The cached state plus the events after it; on a cache miss the stream's snapshot (if
 * the decider has them) plus the events after it, else the whole stream.
 */
async function loadEntry<S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Folding<S, E>,
  newStream = false,
): Promise<CachedState> {
  const cached = runtime.cache.get(streamId);
  // a stream named by an id minted for this command has no events and no snapshot: the
  // append expects no stream, so were it wrong the conflict would make it read after all
  if (newStream && !cached) return newStreamEntry(decider);
  const codec = decider.snapshot;
  const start: CachedState = cached ??
    (codec && runtime.snapshots ? await readSnapshot(runtime.snapshots, streamId, codec) : undefined) ?? {
      state: decider.initialState,
      revision: -1n,
      snapshots: noSnapshot(),
    };
  let state = start.state as S;
  let revision = start.revision;
  const recorded = await runtime.store.readStream(streamId, { fromRevision: revision + 1n });
  for (const r of recorded) {
    const event = eventCatalogue.decode<E>(r);
    state = decider.evolve(state, event);
    revision = r.revision;
  }
  if (cached && recorded.length === 0) return cached;
  const entry: CachedState = { state, revision, snapshots: start.snapshots };
  runtime.cache.set(streamId, entry);
  if (codec && runtime.snapshots) snapshotIfDue(runtime.snapshots, streamId, codec, state, revision, start.snapshots);
  return entry;
}

function newStreamEntry<S>(decider: Folding<S, DomainEvent>): CachedState {
  return { state: decider.initialState, revision: -1n, snapshots: noSnapshot() };
}

export function toNewEvents(events: readonly DomainEvent[], ctx: CommandContext, clock: Clock): NewEvent[] {
  const recordedAt = clock.now().toISOString();
  return events.map((e) => {
    const eventId = newId();
    // valid events are remembered, so decoding them in this process does not validate again
    const problems = eventCatalogue.problemsBeforeAppend(e.type, e.data, eventId);
    if (problems.length > 0) {
      // A decider produced an event its own schema refuses: a programming error.
      throw new Error(`refusing to append malformed ${e.type}: ${problems.join('; ')}`);
    }
    return {
      type: e.type,
      data: { ...(e.data as object) } as Record<string, unknown>,
      metadata: {
        eventId,
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
 * Concurrent commands on one stream are decided in order and share one append.
 */
export function executeCommand<C, S, E extends DomainEvent>(
  runtime: CommandRuntime,
  streamId: string,
  decider: Decider<C, S, E>,
  command: C | ((state: S) => C),
  ctx: CommandContext,
  options: {
    ifMatch?: bigint;
    /** `streamId` holds an id minted for this command (e.g. a new UUIDv7): it is not read */
    newStream?: boolean;
  } = {},
): Promise<CommandResult<S, E>> {
  const observer = runtime.observer;
  const watched = observer ? watch(command) : undefined;
  const given = watched ? watched.command : command;
  const result = new Promise<CommandResult<S, E>>((resolve, reject) => {
    runtime.queues.enqueue(
      streamId,
      {
        decider: decider as unknown as Decider<unknown, unknown, DomainEvent>,
        command: given,
        ctx,
        ifMatch: options.ifMatch,
        newStream: options.newStream === true,
        resolve: resolve as (r: CommandResult<unknown, DomainEvent>) => void,
        reject,
      },
      (id, batch) => decideBatch(runtime, id, batch),
    );
  });
  if (observer && watched)
    void result.then(
      () => observer.accepted(watched.name),
      (err: unknown) => observer.rejected(watched.name, err),
    );
  return result;
}

function commandName(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'unknown';
}

/**
 * For the observer: the command's type (a command computed from the state shows it only
 * once computed) and whether it was decided at all.
 *
 * (A class, and no functions held under names of their own, here and in the other per-command
 * code of this file: the platform's bundle keeps function names, which costs a property
 * definition every time a named function expression is created.)
 */
class CommandWatch<C, S> {
  name: string;
  decided = false;
  readonly command: (state: S) => C;
  constructor(command: C | ((state: S) => C)) {
    if (typeof command === 'function') {
      const compute = command as (state: S) => C;
      this.name = 'unknown';
      this.command = (state: S) => {
        this.decided = true;
        const c = compute(state);
        this.name = commandName(c);
        return c;
      };
    } else {
      this.name = commandName(command);
      this.command = () => {
        this.decided = true;
        return command;
      };
    }
  }
}

function watch<C, S>(command: C | ((state: S) => C)): CommandWatch<C, S> {
  return new CommandWatch(command);
}

function newStreamOption(c: { newStream?: boolean }): { newStream?: true } {
  return c.newStream ? { newStream: true } : {};
}

/** `resolve` of a pair's promise, as a QueuedCommand's `resolve` */
function resolvingPair<S1, E1, S2, E2>(
  resolve: (pair: [CommandResult<S1, E1>, CommandResult<S2, E2>]) => void,
): QueuedCommand['resolve'] {
  return (first, second) => resolve([first as CommandResult<S1, E1>, second as unknown as CommandResult<S2, E2>]);
}

/** a joint command's result has a position only where it appended something */
function positionOf(events: readonly unknown[], r: AppendResult): GlobalPosition | null {
  return events.length > 0 ? r.position : null;
}

/** One command on one stream, for `executeCommandsTogether`. */
export interface StreamCommand<C, S, E extends DomainEvent> {
  readonly streamId: string;
  readonly decider: Decider<C, S, E>;
  /** the command, or how to compute it from the stream's current state */
  readonly command: C | ((state: S) => C);
  /** `streamId` holds an id minted for this command (e.g. a new UUIDv7): it is not read */
  readonly newStream?: boolean;
}

/**
 * Decides `lead` on its stream and `joined` on another, and stores the events of both in
 * ONE atomic append (`EventStore.appendToStreams`: one transaction, one fsync), or none of
 * them: a crash or a refusal cannot leave one without the other. Each is decided on its
 * stream's current state; if either stream changed meanwhile, both are decided again (up to
 * `maxRetries`, then a ConflictError). A refusal by either decider fails both.
 *
 * `lead` queues with the other commands on its stream like `executeCommand` (a busy stream
 * takes many commands per append: all of them and their joined commands go in one
 * appendToStreams). The joined stream is not queued: other writers to it in this process
 * are caught by its expected revision, like writers in other processes.
 *
 * A store without `appendToStreams` (EventStoreDB) cannot do this atomically. There `lead`
 * is executed and then `joined`, one append each; when `joined` fails after `lead` was
 * stored, `compensate` runs with `lead`'s result and the error (which is then thrown). It
 * should undo what it can and report its own failures: whatever it throws replaces the error.
 */
export async function executeCommandsTogether<C1, S1, E1 extends DomainEvent, C2, S2, E2 extends DomainEvent>(
  runtime: CommandRuntime,
  lead: StreamCommand<C1, S1, E1>,
  joined: StreamCommand<C2, S2, E2>,
  ctx: CommandContext,
  options: { compensate?: (leadResult: CommandResult<S1, E1>, error: unknown) => Promise<void> } = {},
): Promise<[CommandResult<S1, E1>, CommandResult<S2, E2>]> {
  if (lead.streamId === joined.streamId) {
    throw new TypeError(`commands executed together need two streams, got ${lead.streamId} twice`);
  }
  if (!runtime.store.appendToStreams) {
    const first = await executeCommand(runtime, lead.streamId, lead.decider, lead.command, ctx, newStreamOption(lead));
    try {
      const second = await executeCommand(
        runtime,
        joined.streamId,
        joined.decider,
        joined.command,
        ctx,
        newStreamOption(joined),
      );
      return [first, second];
    } catch (err) {
      await options.compensate?.(first, err);
      throw err;
    }
  }
  const observer = runtime.observer;
  const watchedLead = observer ? watch(lead.command) : undefined;
  const watchedJoined = observer ? watch(joined.command) : undefined;
  const result = new Promise<[CommandResult<S1, E1>, CommandResult<S2, E2>]>((resolve, reject) => {
    runtime.queues.enqueue(
      lead.streamId,
      {
        decider: lead.decider as unknown as Decider<unknown, unknown, DomainEvent>,
        command: watchedLead ? watchedLead.command : lead.command,
        ctx,
        ifMatch: undefined,
        newStream: lead.newStream === true,
        joined: {
          streamId: joined.streamId,
          decider: joined.decider as unknown as Decider<unknown, unknown, DomainEvent>,
          command: watchedJoined ? watchedJoined.command : joined.command,
          newStream: joined.newStream === true,
        },
        resolve: resolvingPair(resolve),
        reject,
      },
      (id, batch) => decideBatch(runtime, id, batch),
    );
  });
  if (observer && watchedLead && watchedJoined)
    void result.then(
      () => {
        observer.accepted(watchedLead.name);
        observer.accepted(watchedJoined.name);
      },
      (err: unknown) => {
        // a command that was never decided (the lead refused first) is not counted
        if (watchedLead.decided) observer.rejected(watchedLead.name, err);
        if (watchedJoined.decided) observer.rejected(watchedJoined.name, err);
      },
    );
  return result;
}

interface Decided {
  entry: QueuedCommand;
  events: DomainEvent[];
  state: unknown;
  revision: bigint;
  /** the joined command's events and the state and revision of its stream after them */
  joined?: { stream: JoinedStream; events: DomainEvent[]; state: unknown; revision: bigint };
}

/** A joined stream while a batch is decided: loaded once, carried from command to command. */
interface JoinedStream {
  readonly streamId: string;
  readonly decider: Decider<unknown, unknown, DomainEvent>;
  readonly loaded: CachedState;
  state: unknown;
  revision: bigint;
  readonly toAppend: NewEvent[];
}

const expectedOf = (revision: bigint): ExpectedRevision => (revision < 0n ? 'no_stream' : revision);

function joinedStream(streamId: string, decider: JoinedCommand['decider'], entry: CachedState): JoinedStream {
  return { streamId, decider, loaded: entry, state: entry.state, revision: entry.revision, toAppend: [] };
}

/** Loads the streams the batch's joined commands act on. */
async function loadJoined(
  runtime: CommandRuntime,
  open: readonly QueuedCommand[],
  firstAttempt: boolean,
): Promise<Map<string, JoinedStream>> {
  const byStream = new Map<string, JoinedCommand[]>();
  for (const e of open) {
    if (!e.joined) continue;
    const commands = byStream.get(e.joined.streamId);
    if (commands) commands.push(e.joined);
    else byStream.set(e.joined.streamId, [e.joined]);
  }
  const joined = new Map<string, JoinedStream>();
  // Streams named by ids just minted (a new booking's) are known empty: taken at once, with
  // no read and no promise; the others are read side by side.
  const reads: Promise<unknown>[] = [];
  for (const [streamId, commands] of byStream) {
    const decider = commands[0]!.decider;
    // after a conflict the stream is read whatever the commands said
    if (firstAttempt && commands.every((c) => c.newStream) && !runtime.cache.get(streamId))
      joined.set(streamId, joinedStream(streamId, decider, newStreamEntry(decider)));
    else
      reads.push(
        loadEntry(runtime, streamId, decider).then((entry) =>
          joined.set(streamId, joinedStream(streamId, decider, entry)),
        ),
      );
  }
  if (reads.length > 0) await Promise.all(reads);
  return joined;
}

async function decideBatch(runtime: CommandRuntime, streamId: string, batch: QueuedCommand[]): Promise<void> {
  const decider = batch[0]!.decider;
  let open = batch;
  for (let attempt = 0; open.length > 0; attempt++) {
    // after a conflict the stream is read whatever the commands said
    const loaded = await loadEntry(runtime, streamId, decider, attempt === 0 && open.every((e) => e.newStream));
    const joinedStreams = open.some((e) => e.joined) ? await loadJoined(runtime, open, attempt === 0) : undefined;
    let state = loaded.state;
    let revision = loaded.revision;
    const decided: Decided[] = [];
    const toAppend: NewEvent[] = [];
    for (const entry of open) {
      try {
        if (entry.ifMatch !== undefined && entry.ifMatch !== revision) {
          throw new PreconditionFailedError(`${streamId} is at revision ${revision}, not ${entry.ifMatch}`);
        }
        const cmd =
          typeof entry.command === 'function' ? (entry.command as (s: unknown) => unknown)(state) : entry.command;
        const events = decider.decide(cmd, state);
        let joinedOutcome: Decided['joined'];
        if (entry.joined) {
          const stream = joinedStreams!.get(entry.joined.streamId)!;
          const given = entry.joined.command;
          const joinedCmd = typeof given === 'function' ? (given as (s: unknown) => unknown)(stream.state) : given;
          const joinedEvents = stream.decider.decide(joinedCmd, stream.state);
          // both converted before either is kept: a refusal of one keeps neither
          const leadNew = toNewEvents(events, entry.ctx, runtime.clock);
          const joinedNew = toNewEvents(joinedEvents, entry.ctx, runtime.clock);
          toAppend.push(...leadNew);
          stream.toAppend.push(...joinedNew);
          stream.state = joinedEvents.reduce(stream.decider.evolve, stream.state);
          stream.revision += BigInt(joinedEvents.length);
          joinedOutcome = { stream, events: joinedEvents, state: stream.state, revision: stream.revision };
        } else {
          if (events.length === 0) {
            entry.resolve({ events, state, revision, position: null });
            continue;
          }
          toAppend.push(...toNewEvents(events, entry.ctx, runtime.clock));
        }
        state = events.reduce(decider.evolve, state);
        revision += BigInt(events.length);
        decided.push({ entry, events, state, revision, ...(joinedOutcome ? { joined: joinedOutcome } : {}) });
      } catch (err) {
        entry.reject(err);
      }
    }
    if (decided.length === 0) return;
    let result: AppendResult;
    // the joined streams of the commands decided: those without new events too, since the
    // decisions relied on their state, so their expected revision is checked all the same
    const joined = new Set<JoinedStream>();
    for (const d of decided) if (d.joined) joined.add(d.joined.stream);
    let joinedResults: Map<string, AppendResult> | undefined;
    try {
      if (joined.size > 0) {
        const streams = [...joined];
        const results = await runtime.store.appendToStreams!([
          { streamId, events: toAppend, expectedRevision: expectedOf(loaded.revision) },
          ...streams.map((j) => ({
            streamId: j.streamId,
            events: j.toAppend,
            expectedRevision: expectedOf(j.loaded.revision),
          })),
        ]);
        result = results[0]!;
        joinedResults = new Map(streams.map((j, i) => [j.streamId, results[i + 1]!]));
      } else {
        result = await runtime.store.append(streamId, toAppend, expectedOf(loaded.revision));
      }
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError)) {
        for (const d of decided) d.entry.reject(err);
        return;
      }
      // Another writer got there first: re-decide on fresh state, except where the caller
      // pinned a revision (412) or the retries are spent (409).
      open = [];
      for (const d of decided) {
        if (d.entry.ifMatch !== undefined)
          d.entry.reject(new PreconditionFailedError(`${err.streamId} changed while the command ran`));
        else if (attempt >= runtime.maxRetries)
          d.entry.reject(new ConflictError(`${err.streamId} kept changing; gave up after ${attempt + 1} attempts`));
        else open.push(d.entry);
      }
      runtime.observer?.conflicted(open.length);
      continue;
    }
    remember(runtime, streamId, decider, state, result.nextExpectedRevision, loaded);
    for (const j of joined) {
      remember(runtime, j.streamId, j.decider, j.state, joinedResults!.get(j.streamId)!.nextExpectedRevision, j.loaded);
    }
    for (const d of decided) {
      const lead = { events: d.events, state: d.state, revision: d.revision, position: result.position };
      if (!d.joined) {
        d.entry.resolve(lead);
        continue;
      }
      const j = d.joined;
      d.entry.resolve(
        { ...lead, position: positionOf(d.events, result) },
        {
          events: j.events,
          state: j.state,
          revision: j.revision,
          position: positionOf(j.events, joinedResults!.get(j.stream.streamId)!),
        },
      );
    }
    return;
  }
}

/** After an append: the stream's new state goes to the cache, and a snapshot if one is due. */
function remember(
  runtime: CommandRuntime,
  streamId: string,
  decider: Decider<unknown, unknown, DomainEvent>,
  state: unknown,
  revision: bigint,
  loaded: CachedState,
): void {
  runtime.cache.set(streamId, { state, revision, snapshots: loaded.snapshots });
  if (decider.snapshot && runtime.snapshots)
    snapshotIfDue(runtime.snapshots, streamId, decider.snapshot, state, revision, loaded.snapshots);
}
