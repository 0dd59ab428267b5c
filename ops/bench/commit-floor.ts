/**
 * What one durable commit costs on this disk, from the bare system call up to our store, so
 * the sequential-append figure can be read against the disk's own floor from the same run:
 *
 *   1. write 16 KB into a preallocated file + fdatasync (the least a durable commit can cost)
 *   2. the same with fsync (what the SQLite inside better-sqlite3 calls: it is built without
 *      HAVE_FDATASYNC, so every commit also journals the WAL's changed mtime)
 *   3. write 16 KB at the end of a growing file + fsync (a WAL before its first checkpoint)
 *   4. raw better-sqlite3, one INSERT per transaction (WAL + synchronous=FULL)
 *   5. our SqliteEventStore, one awaited batch-1 append at a time
 *
 * One writer, each commit awaited. The rungs run in alternating bursts (the order rotating
 * each round, the first round a warm-up that takes each WAL past its first checkpoint), so a
 * shared disk's slow seconds hit every rung alike.
 *
 *   npx tsx ops/bench/commit-floor.ts [burst=300] [rounds=6]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../shared-kernel/src/adapters/event-store/sqlite-event-store.js';
import type { NewEvent } from '../../shared-kernel/src/ports/event-store.js';
import { makeEvent } from './event-store.bench.js';
import { round, summarize } from './stats.js';

/** about what a batch-1 append puts in the WAL: 4 frames of 4 KB + their headers */
const COMMIT_BYTES = 4 * (4096 + 24);
const PREALLOCATED = 4 * 2 ** 20;

interface Rung {
  run(burst: number): Promise<number[]> | number[];
  close(): Promise<void> | void;
}

/** writes COMMIT_BYTES then syncs, `burst` times; overwrites a preallocated file unless `grow` */
function syscallRung(file: string, sync: (fd: number) => void, grow: boolean): Rung {
  const buf = Buffer.alloc(COMMIT_BYTES, 7);
  const fd = fs.openSync(file, 'w+');
  if (!grow) {
    const zeros = Buffer.alloc(2 ** 20);
    for (let at = 0; at < PREALLOCATED; at += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, at);
    fs.fsyncSync(fd);
  }
  let at = 0;
  const run = (burst: number): number[] => {
    if (grow) {
      fs.ftruncateSync(fd, 0);
      at = 0;
    }
    const latencies: number[] = [];
    for (let i = 0; i < burst; i++) {
      if (!grow && at + COMMIT_BYTES > PREALLOCATED) at = 0;
      const t0 = performance.now();
      fs.writeSync(fd, buf, 0, buf.length, at);
      sync(fd);
      latencies.push(performance.now() - t0);
      at += COMMIT_BYTES;
    }
    return latencies;
  };
  return { run, close: () => fs.closeSync(fd) };
}

function rawRung(file: string): Rung {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE events (
      position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
      event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, data TEXT NOT NULL,
      metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision)
    )`);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  let revision = 0;
  const tx = db.transaction((e: NewEvent) => {
    insert.run(
      's',
      revision++,
      e.metadata.eventId,
      e.type,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
      e.metadata.recordedAt,
    );
  });
  const run = (burst: number): number[] => {
    const latencies: number[] = [];
    for (let i = 0; i < burst; i++) {
      const e = makeEvent(i);
      const t0 = performance.now();
      tx.immediate(e);
      latencies.push(performance.now() - t0);
    }
    return latencies;
  };
  return {
    run,
    close: () => {
      db.close();
    },
  };
}

function oursRung(file: string): Rung {
  const store = new SqliteEventStore({ path: file });
  let expected: bigint | 'no_stream' = 'no_stream';
  const run = async (burst: number): Promise<number[]> => {
    const latencies: number[] = [];
    for (let i = 0; i < burst; i++) {
      const e = makeEvent(i);
      const t0 = performance.now();
      expected = (await store.append('s', [e], expected)).nextExpectedRevision;
      latencies.push(performance.now() - t0);
    }
    return latencies;
  };
  return { run, close: () => store.close() };
}

export async function benchCommitFloor(burst = 300, rounds = 6): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-commit-floor-'));
  const rungs: [string, Rung][] = [];
  try {
    rungs.push(
      ['writeFdatasyncOverwrite', syscallRung(path.join(dir, 'overwrite-fdatasync.bin'), fs.fdatasyncSync, false)],
      ['writeFsyncOverwrite', syscallRung(path.join(dir, 'overwrite-fsync.bin'), fs.fsyncSync, false)],
      ['writeFsyncGrowing', syscallRung(path.join(dir, 'growing-fsync.bin'), fs.fsyncSync, true)],
      ['rawBetterSqlite3TxPerInsert', rawRung(path.join(dir, 'raw.sqlite'))],
      ['oursAppendBatch1', oursRung(path.join(dir, 'ours.sqlite'))],
    );
    const latencies = rungs.map((): number[] => []);
    for (let r = 0; r <= rounds; r++) {
      for (let k = 0; k < rungs.length; k++) {
        const j = (k + r) % rungs.length;
        const burstLatencies = await rungs[j]![1].run(burst);
        if (r > 0) latencies[j]!.push(...burstLatencies);
      }
    }
    const result: Record<string, unknown> = {};
    const perSec: Record<string, number> = {};
    rungs.forEach(([name], k) => {
      const l = latencies[k]!;
      const meanMs = l.reduce((a, b) => a + b, 0) / l.length;
      perSec[name] = Math.round(1000 / meanMs);
      result[name] = { commitsPerSec: perSec[name], ...summarize(l), p90Ms: round(quantile(l, 0.9)) };
    });
    return {
      setup: { burst, rounds, commitBytes: COMMIT_BYTES, statistic: 'all bursts after the warm-up round pooled' },
      ...result,
      ratios: {
        oursVsWriteFsyncOverwrite: round(perSec.oursAppendBatch1! / perSec.writeFsyncOverwrite!),
        oursVsWriteFdatasyncOverwrite: round(perSec.oursAppendBatch1! / perSec.writeFdatasyncOverwrite!),
        oursVsRaw: round(perSec.oursAppendBatch1! / perSec.rawBetterSqlite3TxPerInsert!),
      },
    };
  } finally {
    for (const [, rung] of rungs) await rung.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [burst, rounds] = process.argv.slice(2).map(Number);
  benchCommitFloor(burst || undefined, rounds || undefined).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
