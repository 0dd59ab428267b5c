/**
 * Follows the whole event log with ONE subscription and feeds every projector, in order.
 * Each projector's checkpoint is stored with its read model (same flush), so a restart
 * resumes where the last flush left off, and re-applied events are no-ops.
 *
 * A flush comes as soon as no event is waiting (a live event is readable within a few ms),
 * after `batchSize` events during a catch-up, and never in the middle of an event.
 *
 * A flush hands the store what the events wrote and the checkpoints of the projectors that
 * applied one since their last save. Into a shared store it also saves every other moved
 * checkpoint and commits, every time: other processes follow those checkpoints. With
 * `exclusiveWriter` the store serves this process from memory, so a flush makes the events
 * readable at once and the store is committed (documents and the checkpoints covering them
 * in one transaction) at most every `commitEveryMs`, without holding up the next events
 * (the embedded store commits a catch-up's large batches on its flush writer thread
 * meanwhile); the checkpoints of projectors whose read models did not change are saved
 * at most every `checkpointEveryMs`. At one booking per flush, a commit and nine
 * checkpoint upserts per flush were most of the projector's cost. A crash loses what was not committed, and a restart re-applies it from the
 * checkpoints it finds (a projector that applied nothing reads a second of events it has
 * no handler for), as it always did for the last flushes.
 */
import { EventEmitter } from 'node:events';
import {
  comparePositions,
  eventCatalogue,
  formatPosition,
  parseSortablePosition,
  sortablePosition,
  START,
  type DocumentStore,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type Subscription,
} from '@booking/shared-kernel';
import type { Projector } from './projector.js';
import { RecordingDocumentStore } from './write-recorder.js';
import { CoalescingDocumentStore } from './coalescing-document-store.js';

export interface ProjectionStatus {
  name: string;
  position: string | null;
}

export interface RunnerStatus {
  running: boolean;
  head: string | null;
  applied: string | null;
  /** events (SQLite) or log bytes (EventStoreDB) between the head and what is applied */
  lag: string;
  lastError: string | null;
  projections: ProjectionStatus[];
}

/** What one flush made durable. */
export interface ReadModelChange {
  /** every read model includes the events up to here */
  applied: GlobalPosition;
  /** the projectors that changed their read model */
  projectors: ReadonlySet<string>;
  /** the documents written, by collection (the names projectors use) */
  documents: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface RunnerOptions {
  /** flush the read models and checkpoints after this many events (a catch-up: larger
   *  batches write a document touched by several events fewer times)... */
  batchSize?: number;
  /** ...or as soon as no event is waiting (caught up), at most once per this many ms
   *  (default 2; 10 for a shared store, where a flush costs a round trip per checkpoint)... */
  minFlushGapMs?: number;
  /** ...and at the latest this many ms after the first unflushed event */
  flushIntervalMs?: number;
  /**
   * Nothing but this runner writes its read models (the embedded store): counter
   * increments of one flush period are then merged into one write per document
   * (`CoalescingDocumentStore`). Leave it off when several processes project into one
   * shared store.
   */
  exclusiveWriter?: boolean;
  /** with `exclusiveWriter`: how often the checkpoints of projectors that applied nothing
   *  are saved as well (default 1000 ms); without it every flush saves every checkpoint that
   *  moved, since other processes follow them (read-your-writes, live pushes) */
  checkpointEveryMs?: number;
  /** with `exclusiveWriter`: how often the document store is committed (default 100 ms);
   *  a flush in between hands it the documents and checkpoints (readable in this process
   *  at once) and the next commit writes them together; without it every flush commits */
  commitEveryMs?: number;
}

export class ProjectionRunner {
  private readonly progress = new EventEmitter();
  private readonly checkpoints = new Map<string, GlobalPosition>();
  /** the checkpoint each projector has in the document store (saved or found at start) */
  private readonly saved = new Map<string, GlobalPosition>();
  /** projectors that applied an event their saved checkpoint does not cover yet */
  private readonly mustSave = new Set<string>();
  /** when every moved checkpoint was last saved (performance.now() ms) */
  private lastFullSaveAt = 0;
  /** when the store was last committed (performance.now() ms) */
  private lastCommitAt = 0;
  /** writes or checkpoints were handed to the store after its last commit */
  private uncommitted = false;
  /** the flush that commits, or saves the checkpoints, a flush left for later */
  private dueTimer: NodeJS.Timeout | null = null;
  private applied: GlobalPosition = START;
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private lastError: string | null = null;
  private unflushed = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  /** when `flushTimer` fires (performance.now() ms) */
  private flushDue = 0;
  /** set after an event: runs once the loop has nothing left to do in this turn */
  private idleCheck: NodeJS.Immediate | null = null;
  private lastFlushAt = 0;
  /** a timer asked for a flush while an event was being applied: flush after it */
  private flushAfterEvent = false;
  /** the flush in progress; the loop applies no event meanwhile */
  private flushing: Promise<void> | null = null;
  private readonly coalescing: CoalescingDocumentStore | null;
  /** projectors that applied an event, and the documents written, since the last flush */
  private touched = new Set<string>();
  private written = new Map<string, Set<string>>();
  private readonly recordingDocs: DocumentStore;
  /** set while `exclusive` runs; the loop waits for it before the next event */
  private paused: Promise<void> | null = null;
  private busy = false;

  constructor(
    private readonly store: EventStore,
    private readonly docs: DocumentStore,
    private readonly projectors: readonly Projector[],
    private readonly logger: Logger,
    private readonly options: RunnerOptions = {},
  ) {
    this.progress.setMaxListeners(0);
    this.coalescing = options.exclusiveWriter ? new CoalescingDocumentStore(docs) : null;
    this.recordingDocs = new RecordingDocumentStore(this.coalescing ?? docs, (collection, id) => {
      let ids = this.written.get(collection);
      if (!ids) this.written.set(collection, (ids = new Set()));
      ids.add(id);
    });
  }

  async start(): Promise<void> {
    let from: GlobalPosition | null = null;
    for (const p of this.projectors) {
      for (const index of p.indexes ?? []) await this.docs.collection(index.collection).ensureIndex(index.fields);
      const saved = await this.docs.getCheckpoint(p.name);
      const position = saved ? parseSortablePosition(saved) : START;
      this.checkpoints.set(p.name, position);
      this.saved.set(p.name, position);
      if (from === null || comparePositions(position, from) < 0) from = position;
    }
    this.applied = from ?? START;
    this.mustSave.clear();
    this.lastFullSaveAt = this.lastCommitAt = performance.now();
    this.stopping = false;
    // the store may have changed while stopped
    this.coalescing?.forgetPositions();
    this.loop = this.run(this.applied);
  }

  private async run(from: GlobalPosition): Promise<void> {
    let position = from;
    let backoff = 100;
    while (!this.stopping) {
      try {
        this.subscription = this.store.subscribeToAll({ after: position });
        for await (const recorded of this.subscription) {
          // (a failed flush is reported by whoever started it)
          while (this.paused || this.flushing) await (this.paused ?? this.flushing?.catch(() => undefined));
          this.busy = true;
          const event = eventCatalogue.decode<DomainEvent>(recorded);
          const pos = sortablePosition(recorded.position);
          for (const p of this.projectors) {
            if (comparePositions(recorded.position, this.checkpoints.get(p.name)!) <= 0) continue;
            if (p.eventTypes.has(event.type)) {
              await p.apply(event, pos, this.recordingDocs);
              this.touched.add(p.name);
              this.mustSave.add(p.name);
            }
            this.checkpoints.set(p.name, recorded.position);
          }
          position = recorded.position;
          this.applied = position;
          this.lastError = null;
          backoff = 100;
          // most events need no flush: no promise for them
          if (this.afterEvent()) await this.flushWith(false);
          this.busy = false;
        }
      } catch (err) {
        this.busy = false;
        if (this.stopping) break;
        this.coalescing?.forgetPositions();
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error(
          { err, position: formatPosition(position) },
          'projection failed; retrying from the last checkpoint',
        );
        await this.flushWith(false).catch((flushErr: unknown) =>
          this.logger.error({ err: flushErr }, 'flush after a projection failure failed'),
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        // Resume after what is durably applied; projectors skip what they already have.
        position = this.minCheckpoint();
      }
    }
  }

  private minCheckpoint(): GlobalPosition {
    let min: GlobalPosition | null = null;
    for (const c of this.checkpoints.values()) if (min === null || comparePositions(c, min) < 0) min = c;
    return min ?? START;
  }

  /** Counts the event; true when it completes a batch (the caller flushes before the next). */
  private afterEvent(): boolean {
    this.unflushed++;
    if (this.unflushed >= (this.options.batchSize ?? 5000) || this.flushAfterEvent) {
      this.flushAfterEvent = false;
      return true;
    }
    if (!this.flushTimer) this.flushLater(this.options.flushIntervalMs ?? 20);
    // A setImmediate runs only once the loop waits for the next event (caught up) or for
    // I/O: a catch-up keeps batching, a live event is flushed (readable) at once.
    this.idleCheck ??= setImmediate(() => {
      this.idleCheck = null;
      // mid-event (awaiting I/O): that event's afterEvent checks again
      if (this.busy || this.unflushed === 0) return;
      const gap = this.options.minFlushGapMs ?? (this.coalescing ? 2 : 10);
      const wait = this.lastFlushAt + gap - performance.now();
      if (wait <= 0) this.flushInBackground();
      else if (!this.flushTimer || this.flushDue > performance.now() + wait) this.flushLater(wait);
    });
    return false;
  }

  private flushLater(ms: number): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushDue = performance.now() + ms;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      // never in the middle of an event: its afterEvent flushes
      if (this.busy) this.flushAfterEvent = true;
      else this.flushInBackground();
    }, ms);
  }

  private flushInBackground(): void {
    this.flushWith(false).catch((err: unknown) => {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger.error({ err }, 'flushing read models failed');
    });
  }

  /** Makes every applied event readable, saves every checkpoint that moved and commits the
   *  read models to the store, then tells waiters. */
  flush(): Promise<void> {
    return this.flushWith(true);
  }

  /** `full` false: the store is committed, and the checkpoints of projectors that applied
   *  nothing are saved, only when they are due (exclusive writer). */
  private async flushWith(full: boolean): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.idleCheck) {
      clearImmediate(this.idleCheck);
      this.idleCheck = null;
    }
    if (this.unflushed === 0 && !this.uncommitted && !this.checkpointsBehind()) return;
    const flushing = this.flushNow(full);
    this.flushing = flushing;
    try {
      await flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** whether a checkpoint moved past the one handed to the document store */
  private checkpointsBehind(): boolean {
    for (const [name, position] of this.checkpoints) {
      if (comparePositions(position, this.saved.get(name) ?? START) > 0) return true;
    }
    return false;
  }

  /** A flush once the commit or the checkpoints a flush left for later are due, unless an
   *  event's flush comes first (it does what is due then). */
  private flushDueLater(): void {
    if (this.dueTimer || this.stopping) return;
    let at = Infinity;
    if (this.uncommitted) at = this.lastCommitAt + (this.options.commitEveryMs ?? 100);
    if (this.checkpointsBehind()) at = Math.min(at, this.lastFullSaveAt + (this.options.checkpointEveryMs ?? 1000));
    if (at === Infinity) return;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = null;
        // an event being applied, flushed or waiting for its flush: that flush does it
        if (this.stopping || this.busy || this.flushing || this.unflushed > 0) return;
        this.flushInBackground();
      },
      Math.max(0, at - performance.now()),
    );
    // (a process that ends without stop() loses at most what a crash loses)
    this.dueTimer.unref();
  }

  private async flushNow(full: boolean): Promise<void> {
    const events = this.unflushed;
    this.unflushed = 0;
    const now = (this.lastFlushAt = performance.now());
    const applied = this.applied;
    // A shared store is committed, with every checkpoint that moved, on every flush: other
    // processes follow those checkpoints (read-your-writes, live pushes). An exclusive
    // writer's store serves this process from memory: what the flush hands it is readable
    // at once, and it is committed (one transaction: the documents with the checkpoints that
    // cover them) at most every `commitEveryMs`; the checkpoints of projectors that applied
    // nothing since their last save wait for `checkpointEveryMs`.
    const exclusive = this.coalescing !== null;
    // (1 ms early counts: timers fire on whole milliseconds)
    const allCheckpoints =
      full || !exclusive || now - this.lastFullSaveAt >= (this.options.checkpointEveryMs ?? 1000) - 1;
    const commit = full || !exclusive || now - this.lastCommitAt >= (this.options.commitEveryMs ?? 100) - 1;
    const saving: [string, GlobalPosition][] = [];
    for (const [name, position] of this.checkpoints) {
      if (comparePositions(position, this.saved.get(name) ?? START) <= 0) continue;
      if (allCheckpoints || this.mustSave.has(name)) saving.push([name, position]);
    }
    // taken with `applied`: events applied while this flush awaits belong to the next one
    const change: ReadModelChange = { applied, projectors: this.touched, documents: this.written };
    this.touched = new Set();
    this.written = new Map();
    try {
      // merged increments first: a checkpoint is saved only with everything before it
      await this.coalescing?.writeBack();
      for (const [name, position] of saving) await this.docs.saveCheckpoint(name, sortablePosition(position));
      if (commit) {
        if (full || !exclusive) await this.docs.flush();
        else this.commitInBackground();
      }
    } catch (err) {
      // the next flush tries again and reports these changes (re-applied events write nothing new)
      this.unflushed += events;
      for (const p of change.projectors) this.touched.add(p);
      for (const [collection, ids] of change.documents) {
        const pending = this.written.get(collection) ?? new Set<string>();
        for (const id of ids) pending.add(id);
        this.written.set(collection, pending);
      }
      throw err;
    }
    for (const [name, position] of saving) {
      this.saved.set(name, position);
      // (no event is applied while a flush runs: nothing newer of this projector is unsaved)
      this.mustSave.delete(name);
    }
    if (allCheckpoints) this.lastFullSaveAt = now;
    if (commit) {
      this.lastCommitAt = now;
      this.uncommitted = false;
    } else if (events > 0 || saving.length > 0) {
      this.uncommitted = true;
    }
    this.flushDueLater();
    this.progress.emit('flushed', applied);
    if (change.projectors.size > 0) this.progress.emit('changed', change);
  }

  /**
   * An exclusive writer's commit does not hold up the next events: the embedded store
   * commits a catch-up's batch on its flush writer meanwhile (a live flush's few documents
   * at once). A failed commit leaves its writes pending in the store: logged, and tried
   * again by the next commit; a full flush (`flush`, `stop`) waits for it and reports it.
   */
  private commitInBackground(): void {
    this.docs.flush().catch((err: unknown) => {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger.error({ err }, 'committing read models failed; retrying with the next commit');
      this.uncommitted = true;
      this.flushDueLater();
    });
  }

  /**
   * Calls `listener` after each flush in which some projector changed its read model
   * (live pushes read the changed documents then). Returns the unsubscribe function.
   */
  onChanged(listener: (change: ReadModelChange) => void): () => void {
    this.progress.on('changed', listener);
    return () => this.progress.off('changed', listener);
  }

  /** The position every read model has durably reached. */
  appliedPosition(): GlobalPosition {
    return this.applied;
  }

  /** Runs `fn` between two events: no projector applies anything while it runs (a
   *  projection rebuild switches collections this way). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    let resume!: () => void;
    this.paused = new Promise((r) => (resume = r));
    try {
      while (this.busy) await new Promise((r) => setTimeout(r, 1));
      // what fn reads (or switches away from) includes every event applied so far
      await this.flush();
      this.coalescing?.forgetPositions();
      return await fn();
    } finally {
      this.paused = null;
      resume();
    }
  }

  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  waitFor(position: GlobalPosition, timeoutMs: number): Promise<boolean> {
    if (comparePositions(this.applied, position) >= 0 && this.unflushed === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onFlush = (applied: GlobalPosition) => {
        if (comparePositions(applied, position) >= 0) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.progress.off('flushed', onFlush);
        resolve(ok);
      };
      this.progress.on('flushed', onFlush);
    });
  }

  async status(): Promise<RunnerStatus> {
    const head = await this.store.headPosition();
    const lag = head.commit > this.applied.commit ? head.commit - this.applied.commit : 0n;
    return {
      running: this.loop !== null && !this.stopping,
      head: comparePositions(head, START) > 0 ? formatPosition(head) : null,
      applied: comparePositions(this.applied, START) > 0 ? formatPosition(this.applied) : null,
      lag: lag.toString(),
      lastError: this.lastError,
      projections: this.projectors.map((p) => {
        const c = this.checkpoints.get(p.name) ?? START;
        return { name: p.name, position: comparePositions(c, START) > 0 ? formatPosition(c) : null };
      }),
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    await this.flush();
  }
}
