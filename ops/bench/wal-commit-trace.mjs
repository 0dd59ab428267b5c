/**
 * Preload (`node --import`) for the platform, used by wal-checkpoint-trace.ts: times every
 * commit of a file-backed SQLite store (COMMIT statements and db.transaction() calls) and
 * flags those during which the main database file changed (a checkpoint ran inside the
 * call, or, with the checkpoint worker, ran beside it). WAL_TRACE_OUT=<file> receives
 * [file, startMs, durationMs, flagged, walBytes] rows at exit (or on SIGUSR2);
 * WAL_AUTOCKPT=<n> sets wal_autocheckpoint on every WAL connection (0: none at all).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
const require = createRequire(path.join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const out = process.env.WAL_TRACE_OUT;
const autockpt = process.env.WAL_AUTOCKPT;
const records = []; // [file, startMs, durMs, ckpt, walBytes]
function fileState(file) {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.mtimeNs}/${s.size}`;
  } catch {
    return '';
  }
}
function walSize(file) {
  try {
    return fs.statSync(file + '-wal').size;
  } catch {
    return -1;
  }
}
function timed(db, fn) {
  return function (...args) {
    const file = db.name;
    const before = fileState(file);
    const t0 = performance.now();
    try {
      return fn.apply(this, args);
    } finally {
      const dur = performance.now() - t0;
      records.push([path.basename(file), t0, dur, fileState(file) !== before ? 1 : 0, walSize(file)]);
    }
  };
}
const origPragma = Database.prototype.pragma;
Database.prototype.pragma = function (src, opts) {
  const r = origPragma.call(this, src, opts);
  if (autockpt !== undefined && /journal_mode\s*=\s*WAL/i.test(src) && this.name !== ':memory:') {
    origPragma.call(this, `wal_autocheckpoint = ${Number(autockpt)}`);
  }
  return r;
};
const origPrepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql) {
  const st = origPrepare.call(this, sql);
  if (/^\s*COMMIT\s*$/i.test(sql) && this.name !== ':memory:') {
    const run = st.run;
    st.run = timed(this, run);
  }
  return st;
};
const origTx = Database.prototype.transaction;
Database.prototype.transaction = function (fn) {
  const tx = origTx.call(this, fn);
  if (this.name === ':memory:') return tx;
  return timed(this, tx);
};
function dump() {
  if (!out) return;
  fs.writeFileSync(out, JSON.stringify(records));
}
process.on('SIGUSR2', () => {
  dump();
  records.length = 0;
});
process.on('exit', dump);
