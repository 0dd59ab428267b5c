/**
 * Moves a SQLite file's WAL checkpoints off the event loop's thread.
 *
 * SQLite's automatic checkpoint (every 1000 WAL pages) runs inside the commit that crosses
 * the threshold: better-sqlite3 being synchronous, that is on Node's main thread, copying
 * the WAL into the database file and fsyncing it. Under place-booking load (1 connection)
 * that made about one commit in 180 take 3-20 ms (event store) and one flush in 115 take
 * 50-150 ms (read models, 16 KiB pages): 25-90 ms of every second of the event loop
 * (ops/bench/wal-checkpoint-trace.ts).
 *
 * Instead the owner's connection gets `wal_autocheckpoint = 0` and a worker thread with its
 * own connection to the same file runs the checkpoints:
 * - PASSIVE once `passiveFrames` frames wait to be copied. A passive checkpoint never
 *   blocks the owner's writes or reads, and a checkpoint never loses a committed
 *   transaction; it syncs at the owner's `synchronous` level.
 * - The WAL file starts over from its beginning only at a write that finds every frame
 *   copied and no reader in it. Commits landing while the worker's checkpoint runs keep
 *   that from happening (under steady load they mostly do), so once the WAL holds
 *   `restartFrames` frames and did not start over when it could, the worker asks the
 *   owner's thread for one PASSIVE checkpoint between two commits: it copies only the
 *   frames written since the worker's last one (1-14 ms on this shared disk, a few times a
 *   minute), and the owner's next commit starts the WAL over. So the WAL stays within about
 *   `restartFrames` frames plus what is written in 100 ms, unless a reader in another
 *   process keeps it in use (which holds SQLite's own checkpoints back just the same).
 *   Not TRUNCATE or RESTART: from the worker they must win the write lock from a busy
 *   writer and put the owner's commits to sleep in their busy handler while they hold it,
 *   and truncating makes the next commits allocate the file's blocks again.
 * - Should the worker fail, the error is logged and the owner's connection gets SQLite's
 *   automatic checkpoint back, so the WAL never grows without bound.
 *
 * The worker starts a second after the store opens (short-lived stores never start one).
 * Nothing for ':memory:' (or temporary) databases, nor when the file is not in WAL mode.
 * `SQLITE_WAL_CHECKPOINT=inline` keeps SQLite's own checkpoints (for A/B measurements).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { createLogger, type Logger } from '../logging.js';
import { CHECKPOINT_WORKER_SOURCE } from './sqlite-wal-checkpoint-worker.js';

export interface SqliteWalCheckpointerOptions {
  /** frames waiting to be copied that start a passive checkpoint (default 1000, SQLite's own) */
  readonly passiveFrames?: number;
  /** WAL length in frames past which the owner's thread lets the WAL start over, if it did not by itself (default 2000) */
  readonly restartFrames?: number;
  /** how often the worker looks at the WAL's index (default 25 ms) */
  readonly pollMs?: number;
  /** when the worker takes over, after attach (default 1000 ms) */
  readonly startAfterMs?: number;
  /** default: a logger of its own (LOG_LEVEL) */
  readonly logger?: Logger;
}

export interface SqliteWalCheckpointerStats {
  /** checkpoints run by the worker */
  readonly passive: number;
  /** checkpoints run on the owner's thread to let the WAL start over */
  readonly owner: number;
  /** checkpoints that found another one running */
  readonly busy: number;
  /** the most frames a checkpoint found in the WAL */
  readonly maxWalFrames: number;
  /** frames in the WAL at the last checkpoint */
  readonly lastWalFrames: number;
  /** the longest checkpoint on the owner's thread (ms) */
  readonly maxOwnerMs: number;
}

interface CheckpointMessage {
  readonly type: 'checkpoint';
  /** PASSIVE: by the worker; OWNER: a passive one on the owner's thread */
  readonly mode: 'PASSIVE' | 'OWNER';
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
  readonly ms: number;
}

type WorkerMessage =
  | CheckpointMessage
  | { type: 'restart'; frames: number }
  | { type: 'shm-unreadable'; message: string }
  | { type: 'failed'; message: string; code?: string; stack?: string }
  | { type: 'closed' };

/** SQLite's default wal_autocheckpoint, given back if the worker fails */
const SQLITE_AUTOCHECKPOINT = 1000;
/** how long close() waits for the worker's last checkpoint before terminating it */
const CLOSE_TIMEOUT_MS = 10_000;

const require = createRequire(import.meta.url);
let defaultLogger: Logger | undefined;

export class SqliteWalCheckpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly startTimer: NodeJS.Timeout;
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private readonly logger: Logger;
  private counters = { passive: 0, owner: 0, busy: 0, maxWalFrames: 0, lastWalFrames: 0, maxOwnerMs: 0 };
  private closing = false;
  private failed = false;

  /**
   * Takes over `db`'s checkpoints `startAfterMs` after this call (SQLite's own run until
   * then); undefined (nothing changed) for in-memory or non-WAL databases, or when disabled.
   */
  static attach(db: Database.Database, options: SqliteWalCheckpointerOptions = {}): SqliteWalCheckpointer | undefined {
    if (process.env.SQLITE_WAL_CHECKPOINT === 'inline') return undefined;
    if (db.memory || db.name === '' || db.readonly) return undefined;
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
    return new SqliteWalCheckpointer(db, options);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteWalCheckpointerOptions,
  ) {
    this.logger = options.logger ?? (defaultLogger ??= createLogger({ role: 'sqlite-wal-checkpointer' }));
    // A thread costs ~40 ms of CPU to start: a store open for less than a second (tests,
    // one-off tools) writes too little to need it.
    this.startTimer = setTimeout(
      () => {
        try {
          this.start();
        } catch (err) {
          this.fail(err); // e.g. no thread could be started: SQLite's own checkpoints stay
        }
      },
      Math.max(0, options.startAfterMs ?? 1000),
    );
    this.startTimer.unref();
  }

  /** whether the worker runs the checkpoints now */
  get running(): boolean {
    return this.worker !== undefined && !this.failed && !this.closing;
  }

  stats(): SqliteWalCheckpointerStats {
    return { ...this.counters };
  }

  /** Stops the worker after a last passive checkpoint. Call before closing the owner's connection. */
  async close(): Promise<void> {
    clearTimeout(this.startTimer);
    if (this.closing || !this.worker) {
      this.closing = true;
      return this.exited;
    }
    this.closing = true;
    Atomics.store(this.stop, 0, 1);
    Atomics.notify(this.stop, 0);
    const worker = this.worker;
    const timer = setTimeout(() => {
      this.logger.error({ file: this.db.name }, 'WAL checkpoint worker did not stop in time; terminating it');
      void worker.terminate();
    }, CLOSE_TIMEOUT_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private start(): void {
    if (this.closing || !this.db.open) return;
    const passiveFrames = Math.max(1, Math.floor(this.options.passiveFrames ?? SQLITE_AUTOCHECKPOINT));
    const worker = new Worker(CHECKPOINT_WORKER_SOURCE, {
      eval: true,
      // plain CommonJS: none of the parent's loaders (tsx) or flags
      execArgv: [],
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file: this.db.name,
        synchronous: this.db.pragma('synchronous', { simple: true }) as number,
        passiveFrames,
        restartFrames: Math.max(passiveFrames, Math.floor(this.options.restartFrames ?? 2 * passiveFrames)),
        pollMs: Math.max(1, this.options.pollMs ?? 25),
        stop: this.stop.buffer,
      },
    });
    this.worker = worker;
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.exited = new Promise((resolve) => {
      // an error the worker's own catch did not see (its start, out of memory)
      worker.on('error', (err) => {
        if (!this.failed) this.fail(err);
      });
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing && !this.failed) {
          this.fail(new Error(`the WAL checkpoint worker exited with code ${code}`));
        }
        resolve();
      });
    });
    // never what keeps a process alive (an owner not closed leaves the WAL to SQLite's
    // recovery); after the listeners, as a 'message' listener refs the worker's port again
    worker.unref();
    this.db.pragma('wal_autocheckpoint = 0');
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'checkpoint') {
      const c = this.counters;
      if (m.mode === 'OWNER') {
        c.owner++;
        c.maxOwnerMs = Math.max(c.maxOwnerMs, m.ms);
      } else c.passive++;
      if (m.busy !== 0) c.busy++;
      c.lastWalFrames = m.log;
      if (m.log > c.maxWalFrames) c.maxWalFrames = m.log;
      this.logger.debug({ file: this.db.name, ...m }, 'WAL checkpoint');
    } else if (m.type === 'restart') {
      this.restartWal(m.frames);
    } else if (m.type === 'failed') {
      this.fail(Object.assign(new Error(m.message), { code: m.code, stack: m.stack }));
    } else if (m.type === 'shm-unreadable') {
      this.logger.warn(
        { file: this.db.name, reason: m.message },
        'WAL index unreadable; checkpointing on every poll instead',
      );
    }
  }

  /**
   * Lets the WAL start over: a PASSIVE checkpoint on the owner's thread, between two of its
   * commits. The worker's checkpoints copied nearly everything, so this copies only the
   * frames written since (about a millisecond), and as no commit can land before the next
   * one here, that one finds every frame copied and starts the WAL from its beginning
   * (unless a reader in another process is in it). PASSIVE never waits for a lock.
   */
  private restartWal(frames: number): void {
    if (this.closing || !this.db.open || this.db.inTransaction) return;
    try {
      const t0 = performance.now();
      const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      this.onMessage({ type: 'checkpoint', mode: 'OWNER', ...r!, ms: performance.now() - t0 });
    } catch (err) {
      // e.g. an iterator open on the connection; the worker asks again a moment later
      this.logger.warn({ err, file: this.db.name, frames }, 'WAL checkpoint on the owner thread failed');
    }
  }

  /** The worker is gone: SQLite's own checkpoints take over again on the owner's thread. */
  private fail(err: unknown): void {
    this.failed = true;
    this.logger.error({ err, file: this.db.name }, 'WAL checkpoint worker failed; back to automatic checkpoints');
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }
}
