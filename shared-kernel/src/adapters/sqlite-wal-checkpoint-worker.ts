/**
 * The code of the WAL checkpoint worker (sqlite-wal-checkpointer.ts), run with
 * `new Worker(source, { eval: true })`. A string rather than a file: the platform also runs
 * as an esbuild bundle (ops/dist/platform) that has no worker file next to it, and eval'd
 * code needs no path. Plain CommonJS, no TypeScript, no helpers from the bundler.
 *
 * Protocol: workerData = { driver, file, synchronous, passiveFrames, restartFrames, pollMs,
 * stop } where `stop` is an Int32Array's SharedArrayBuffer the owner sets to 1 (and
 * notifies) to end the loop. Messages out: { type: 'checkpoint', mode, busy, log,
 * checkpointed, ms } after every checkpoint, { type: 'restart', frames } when the owner
 * should let the WAL start over, { type: 'shm-unreadable', message } once when the WAL
 * index cannot be read (then a PASSIVE checkpoint runs on every poll instead), { type:
 * 'failed', message, code, stack } when an error ends the worker (a structured-clone of the
 * error itself would lose its message), and { type: 'closed' } at the end.
 *
 * How full the WAL is comes from its index header in the -shm file (mxFrame at byte 16,
 * nBackfill at byte 96, native byte order: sqlite.org/walformat.html, "The WAL-Index
 * Header"); it is only a hint for when to checkpoint, what a checkpoint copies is SQLite's.
 */
export const CHECKPOINT_WORKER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const { file, synchronous, passiveFrames, restartFrames, pollMs } = workerData;
const stop = new Int32Array(workerData.stop);
/** how long the worker leaves the checkpoint lock to the owner after asking it for one */
const OWNER_WAIT_MS = 100;

function run() {
  const Database = require(workerData.driver);
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 1000'); // opening while another connection recovers the WAL
  // a checkpoint syncs as its connection's level says: the same level as the owner's
  db.pragma('synchronous = ' + synchronous);

  const header = Buffer.alloc(136);
  const littleEndian = os.endianness() === 'LE';
  let shm = -1;
  let shmReadable = true;

  /** [frames in the WAL, frames already copied into the database], or undefined */
  function walFrames() {
    if (!shmReadable) return undefined;
    try {
      if (shm < 0) shm = fs.openSync(file + '-shm', 'r');
      if (fs.readSync(shm, header, 0, header.length, 0) < header.length) return undefined;
    } catch (err) {
      shmReadable = false;
      parentPort.postMessage({ type: 'shm-unreadable', message: String(err && err.message) });
      return undefined;
    }
    return littleEndian
      ? [header.readUInt32LE(16), header.readUInt32LE(96)]
      : [header.readUInt32BE(16), header.readUInt32BE(96)];
  }

  function checkpoint(mode) {
    const t0 = performance.now();
    const r = db.pragma('wal_checkpoint(' + mode + ')')[0];
    parentPort.postMessage({ type: 'checkpoint', mode, busy: r.busy, log: r.log, checkpointed: r.checkpointed,
      ms: performance.now() - t0 });
    return r;
  }

  /** set when a tick left the WAL long but fully copied: the next write should start it over */
  let restartExpected = false;
  /** until when the owner has been asked for its checkpoint (0: not asked) */
  let ownerAskedUntil = 0;

  /** Copies what is due; asks the owner to let the WAL start over when it has grown past restartFrames. */
  function tick() {
    const before = walFrames();
    if (before && before[0] < restartFrames) {
      restartExpected = false;
      ownerAskedUntil = 0;
    }
    // the owner's checkpoint needs the checkpoint lock: keep off it for a while
    if (ownerAskedUntil > performance.now()) return;
    if (before) {
      const behind = before[0] - before[1];
      // nothing to copy (the next write starts the WAL over), or not enough yet
      if (behind === 0 || (behind < passiveFrames && before[0] < restartFrames)) return;
    }
    const r = checkpoint('PASSIVE');
    // The next write starts the WAL over from its beginning only if, when it begins, every
    // frame is copied and no reader uses the WAL. Commits that landed while the checkpoint
    // ran spoil that; copying their frames at once rarely wins the race under steady load
    // and costs two more fsyncs beside the owner's, so that is left to the owner (below).
    const now = walFrames();
    const frames = now ? now[0] : r.log;
    if (frames < restartFrames) return;
    const allCopied = now ? now[0] === now[1] : r.log === r.checkpointed;
    if (allCopied && !restartExpected) {
      restartExpected = true; // one chance for the next write to start the WAL over
      return;
    }
    restartExpected = false;
    ownerAskedUntil = performance.now() + OWNER_WAIT_MS;
    // Commits keep landing while the checkpoints run (or a reader keeps the WAL in use): ask
    // the owner, the writer, for a last small checkpoint between two of its commits, where no
    // commit can land before its next one starts the WAL over.
    parentPort.postMessage({ type: 'restart', frames });
  }

  try {
    for (;;) {
      Atomics.wait(stop, 0, 0, pollMs);
      if (Atomics.load(stop, 0) !== 0) break;
      tick();
    }
    // what is left, so the owner's close (the last connection: SQLite checkpoints there) has little to copy
    checkpoint('PASSIVE');
  } finally {
    if (shm >= 0) fs.closeSync(shm);
    db.close();
  }
}

try {
  run();
  parentPort.postMessage({ type: 'closed' });
} catch (err) {
  parentPort.postMessage({ type: 'failed', message: String(err && err.message), code: err && err.code,
    stack: err && err.stack });
  process.exitCode = 1;
}
`;
