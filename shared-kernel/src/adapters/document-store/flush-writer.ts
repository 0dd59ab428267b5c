/**
 * Commits the embedded store's large flushes on a worker thread (flush-writer-worker.ts),
 * so that SQLite's inserts and commit of a catch-up's batch (about 5 µs of CPU per document
 * plus the WAL writes: about a quarter of a rebuild's time) run while the next events are
 * projected. The owner's thread still encodes the documents: the batch holds their stored
 * bodies as they are at the flush, with the checkpoints handed over before it, so what one
 * transaction commits is exactly what a synchronous flush at that moment would have.
 *
 * Batches are committed one at a time in the order written. `write` resolves once its
 * batch is committed; it rejects when the batch failed, or was skipped because an earlier
 * one failed (the worker writes nothing after a failure until `reset`), or when the worker
 * is gone (`broken`: the owner then flushes on its own thread again).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { FLUSH_WRITER_SOURCE } from './flush-writer-worker.js';

/** One flush: parallel arrays, cheap to copy to the worker. */
export interface FlushBatch {
  /** collections whose stored rows all go first */
  drops: string[];
  names: string[];
  ids: string[];
  /** the stored body, or null: delete the row */
  bodies: (string | Buffer | null)[];
  /** ranged indexes whose keys all go (their collection was dropped) */
  rangedClear: number[];
  /** [ix, id, ...] */
  rangedDelete: (number | string)[];
  /** [ix, id, odd, k0, k1, k2, k3, ...] */
  rangedUpsert: (number | string | null)[];
  /** [projector, position, ...] */
  checkpoints: string[];
}

type Reply =
  | { type: 'done'; seq: number; ms: number }
  | { type: 'failed'; seq: number; message: string; code?: string }
  | { type: 'skipped'; seq: number }
  | { type: 'closed' };

const require = createRequire(import.meta.url);

/** A batch the writer did not try: an earlier one failed (its writes can go again). */
export class SkippedFlushError extends Error {
  constructor() {
    super('not written: an earlier flush failed');
    this.name = 'SkippedFlushError';
  }
}

export class FlushWriter {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private closed: Promise<void> | null = null;
  /** set when the worker is gone: no more batches */
  broken: Error | null = null;

  constructor(file: string, synchronous: number) {
    this.worker = new Worker(FLUSH_WRITER_SOURCE, {
      eval: true,
      // plain CommonJS: none of the parent's loaders (tsx) or flags
      execArgv: [],
      workerData: { driver: require.resolve('better-sqlite3'), file, synchronous },
    });
    this.worker.on('message', (m: Reply) => this.onReply(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the flush writer exited with code ${code}`)));
    // it keeps the process alive only while a batch waits for its commit
    this.worker.unref();
  }

  /** whether batches wait for their commit */
  get busy(): boolean {
    return this.waiting.size > 0;
  }

  /** Commits `batch` after the batches before it; `autocheckpoint`: the owner connection's
   *  wal_autocheckpoint, which the writer's connection takes. */
  write(batch: FlushBatch, autocheckpoint: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const seq = ++this.seq;
    const done = new Promise<void>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
    if (this.waiting.size === 1) this.worker.ref();
    this.worker.postMessage({ type: 'batch', seq, autocheckpoint, ...batch });
    return done;
  }

  /** After a failure, once every batch sent before is answered: the worker writes again. */
  reset(): void {
    if (!this.broken) this.worker.postMessage({ type: 'reset' });
  }

  /** Ends the worker (after the batches sent before). */
  close(): Promise<void> {
    this.closed ??= this.broken
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.worker.once('exit', () => resolve());
          this.worker.ref();
          this.worker.postMessage({ type: 'close' });
        });
    return this.closed;
  }

  private onReply(m: Reply): void {
    if (m.type === 'closed') return;
    const waiter = this.waiting.get(m.seq);
    if (!waiter) return;
    this.waiting.delete(m.seq);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.type === 'done') waiter.resolve();
    else if (m.type === 'failed') waiter.reject(Object.assign(new Error(m.message), { code: m.code }));
    else waiter.reject(new SkippedFlushError());
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}
