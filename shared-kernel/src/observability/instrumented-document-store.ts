/**
 * A document store decorator that times every call for the metrics, per operation and
 * collection. Wrapped collections are kept per name (projectors ask for theirs on every
 * event), each with its timing cells resolved once.
 */
import type { Collection, Doc, DocumentStore, Filter, FindOptions, Update } from '../ports/document-store.js';
import type { HistogramCell, PlatformMetrics } from './metrics.js';

type Operation =
  | 'get'
  | 'upsertAt'
  | 'deleteAt'
  | 'find'
  | 'count'
  | 'groupSum'
  | 'ensureIndex'
  | 'drop'
  | 'insertMany'
  | 'getCheckpoint'
  | 'saveCheckpoint'
  | 'flush';

/** ok/error timing cells of one operation on one collection */
class Timer {
  private ok: HistogramCell | null = null;
  private error: HistogramCell | null = null;
  constructor(
    private readonly metrics: PlatformMetrics,
    private readonly operation: Operation,
    private readonly collection: string,
  ) {}

  /**
   * `call` itself, timed by a branch beside it: the caller waits for the store's own
   * promise, not for a wrapper (every promise costs the async-context hooks a call, and
   * projectors make dozens of these calls per event).
   */
  run<T>(call: Promise<T>, start: number): Promise<T> {
    call.then(
      () => this.observeOk(start),
      () => this.observeError(start),
    );
    return call;
  }

  private observeOk(start: number): void {
    (this.ok ??= this.metrics.documentStoreCalls.cell(this.operation, this.collection, 'ok')).observe(
      (performance.now() - start) / 1000,
    );
  }

  private observeError(start: number): void {
    (this.error ??= this.metrics.documentStoreCalls.cell(this.operation, this.collection, 'error')).observe(
      (performance.now() - start) / 1000,
    );
  }
}

class InstrumentedCollection<T extends Doc> implements Collection<T> {
  private readonly t: Record<Exclude<Operation, 'getCheckpoint' | 'saveCheckpoint' | 'flush'>, Timer>;

  constructor(
    private readonly inner: Collection<T>,
    metrics: PlatformMetrics,
  ) {
    const timer = (op: Operation) => new Timer(metrics, op, inner.name);
    this.t = {
      get: timer('get'),
      upsertAt: timer('upsertAt'),
      deleteAt: timer('deleteAt'),
      find: timer('find'),
      count: timer('count'),
      groupSum: timer('groupSum'),
      ensureIndex: timer('ensureIndex'),
      drop: timer('drop'),
      insertMany: timer('insertMany'),
    };
  }

  get name(): string {
    return this.inner.name;
  }
  get(id: string) {
    const start = performance.now();
    return this.t.get.run(this.inner.get(id), start);
  }
  upsertAt(id: string, update: Update, position: string) {
    const start = performance.now();
    return this.t.upsertAt.run(this.inner.upsertAt(id, update, position), start);
  }
  deleteAt(id: string, position: string) {
    const start = performance.now();
    return this.t.deleteAt.run(this.inner.deleteAt(id, position), start);
  }
  find(filter?: Filter, options?: FindOptions) {
    const start = performance.now();
    return this.t.find.run(this.inner.find(filter, options), start);
  }
  count(filter?: Filter) {
    const start = performance.now();
    return this.t.count.run(this.inner.count(filter), start);
  }
  groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]) {
    const start = performance.now();
    return this.t.groupSum.run(this.inner.groupSum(filter, groupBy, sumFields), start);
  }
  ensureIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }) {
    const start = performance.now();
    return this.t.ensureIndex.run(this.inner.ensureIndex(fields, options), start);
  }
  drop() {
    const start = performance.now();
    return this.t.drop.run(this.inner.drop(), start);
  }
  insertMany(docs: readonly T[]) {
    const start = performance.now();
    return this.t.insertMany.run(this.inner.insertMany(docs), start);
  }
}

const CHECKPOINTS = '(checkpoints)';
const ALL = '(all)';

export class InstrumentedDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, InstrumentedCollection<Doc>>();
  private readonly getCheckpointTimer: Timer;
  private readonly saveCheckpointTimer: Timer;
  private readonly flushTimer: Timer;

  constructor(
    readonly inner: DocumentStore,
    private readonly metrics: PlatformMetrics,
  ) {
    this.getCheckpointTimer = new Timer(metrics, 'getCheckpoint', CHECKPOINTS);
    this.saveCheckpointTimer = new Timer(metrics, 'saveCheckpoint', CHECKPOINTS);
    this.flushTimer = new Timer(metrics, 'flush', ALL);
  }

  collection<T extends Doc>(name: string): Collection<T> {
    let c = this.collections.get(name);
    if (!c) {
      c = new InstrumentedCollection(this.inner.collection<Doc>(name), this.metrics);
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }
  getCheckpoint(projector: string) {
    const start = performance.now();
    return this.getCheckpointTimer.run(this.inner.getCheckpoint(projector), start);
  }
  saveCheckpoint(projector: string, position: string) {
    const start = performance.now();
    return this.saveCheckpointTimer.run(this.inner.saveCheckpoint(projector, position), start);
  }
  flush() {
    const start = performance.now();
    return this.flushTimer.run(this.inner.flush(), start);
  }
  close() {
    return this.inner.close();
  }
}
