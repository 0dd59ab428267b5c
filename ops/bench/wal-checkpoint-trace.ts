/**
 * Where SQLite's WAL checkpoints happen under place-booking load, and what they cost the
 * committing call: runs the bundled platform with a preload (wal-commit-trace.mjs) that times
 * every commit of the file-backed stores and flags those during which the main database file
 * was written (a checkpoint ran inside that call, on the event loop's thread).
 *
 *   npx tsx ops/bench/wal-checkpoint-trace.ts [seconds=8] [levels=1,64] [modes=default,off]
 *
 * modes: `default` = the platform as it is; `off` = wal_autocheckpoint=0 forced by the preload
 * (no checkpoint at all: the WAL grows; for the A/B only); any other word is passed to the
 * platform as SQLITE_WAL_CHECKPOINT=<word>. Each (mode, level) runs in a fresh process and
 * data folder, levels x modes interleaved, `ROUNDS` (env, default 1) times; TRACE=0 runs
 * without the preload.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnPlatform, stopChild, waitUp, type LoadResult } from './bench-processes.js';
import { benchPlaceBooking } from './http.bench.js';
import { summarize } from './stats.js';

type TraceRecord = [file: string, startMs: number, durMs: number, checkpointed: 0 | 1, walBytes: number];

const [secondsArg, levelsArg, modesArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 8);
const levels = (levelsArg ?? '1,64').split(',').map(Number);
const modes = (modesArg ?? 'default,off').split(',');
const rounds = Number(process.env.ROUNDS ?? 1);
/** TRACE=0: no preload (the load figures alone, without the trace's own cost) */
const traced = process.env.TRACE !== '0';
const PRELOAD = path.join(import.meta.dirname, 'wal-commit-trace.mjs');

function summarizeTrace(records: TraceRecord[], wallSeconds: number) {
  const byFile = new Map<string, TraceRecord[]>();
  for (const r of records) byFile.set(r[0], [...(byFile.get(r[0]) ?? []), r]);
  return Object.fromEntries(
    [...byFile].map(([file, rs]) => {
      const ck = rs.filter((r) => r[3] === 1).map((r) => r[2]);
      const plain = rs.filter((r) => r[3] === 0).map((r) => r[2]);
      return [
        file,
        {
          commits: rs.length,
          checkpoints: ck.length,
          checkpointsPerSec: Math.round((ck.length / wallSeconds) * 10) / 10,
          commit: summarize(plain),
          checkpointingCommit: summarize(ck),
          checkpointMsPerSec: Math.round((ck.reduce((a, b) => a + b, 0) / wallSeconds) * 10) / 10,
          maxWalMb: Math.round(Math.max(...rs.map((r) => r[4])) / 1e4) / 100,
        },
      ];
    }),
  );
}

async function runOne(mode: string, connections: number): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-trace-'));
  const traceFile = path.join(dataDir, 'trace.json');
  const port = await freePort();
  const env: Record<string, string> = { WAL_TRACE_OUT: traceFile };
  if (mode === 'off') env.WAL_AUTOCKPT = '0';
  else if (mode !== 'default') env.SQLITE_WAL_CHECKPOINT = mode;
  const platform = spawnPlatform(path.join(dataDir, 'data'), port, {
    entry: 'bundle',
    nodeArgs: traced ? ['--import', PRELOAD] : [],
    env,
  });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, platform);
    const [load] = (await benchPlaceBooking(port, [connections], seconds, platform.pid, 2)) as [LoadResult];
    await stopChild(platform);
    const trace = traced ? (JSON.parse(fs.readFileSync(traceFile, 'utf8')) as TraceRecord[]) : [];
    // the warm-up's commits are in the trace too: keep the measured seconds only
    const end = trace.reduce((m, r) => Math.max(m, r[1]), 0);
    const measured = trace.filter((r) => r[1] >= end - seconds * 1000);
    return {
      mode,
      connections,
      requestsPerSec: load.requestsPerSec,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      non2xx: load.non2xx,
      cpuUsPerRequest: load.serverCpuUsPerRequest,
      files: summarizeTrace(measured, seconds),
    };
  } finally {
    await stopChild(platform);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown>[] = [];
for (let round = 0; round < rounds; round++) {
  for (const connections of levels) {
    for (const mode of modes) {
      const r = await runOne(mode, connections);
      console.log(JSON.stringify(r));
      results.push(r);
    }
  }
}
