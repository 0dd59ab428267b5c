/**
 * Our SQLite event store next to raw better-sqlite3 inserts and a peer event-sourcing
 * library's SQLite event store (Emmett, @event-driven-io/emmett-sqlite), on the same
 * workloads in the same run (see peer-worker.ts): sequential appends of 1, 10 and 100
 * events, aggregate loads of a 100-event stream, and 16 concurrent writers with every
 * error counted.
 *
 * Each store runs in a worker process of its own; ROUNDS rounds, the order of the stores
 * rotating, and the median round is reported (every round's figure is in `runs`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './bench-processes.js';
import { round } from './stats.js';
import { ensurePeersInstalled, peerVersion } from './peers/emmett.js';

const TARGETS = ['ours', 'raw', 'emmett'] as const;
type TargetName = (typeof TARGETS)[number];

interface Latency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface Sequential {
  batch: number;
  eventsPerSec: number;
  appends: number;
  latency: Latency;
  errors: Record<string, number>;
}
interface Concurrent {
  writers: number;
  instances: number;
  eventsPerSec: number;
  attempts: number;
  succeeded: number;
  errorCount: number;
  errorRate: number;
  latency: Latency;
  errors: Record<string, number>;
}
interface WorkerResult {
  target: TargetName;
  sequential: Sequential[];
  aggregateLoad: { streamEvents: number; loadsPerSec: number; eventsPerSec: number; errors: Record<string, number> };
  concurrentShared: Concurrent;
  concurrentPerWriter?: Concurrent;
  rawGrouped16?: { rowsPerTx: number; eventsPerSec: number };
}
interface WorkerFailure {
  target: TargetName;
  failed: true;
  exitCode: number | null;
  signal: string | null;
  stderrTail: string;
}

function runWorker(target: TargetName, dir: string, budgetMs: number): Promise<WorkerResult | WorkerFailure> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'ops/bench/peer-worker.ts'), target, dir, String(budgetMs)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // a library that deadlocks must not stall the whole run
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * budgetMs + 60_000);
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (exitCode === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as WorkerResult);
      else resolve({ target, failed: true, exitCode, signal, stderrTail: err.slice(-2000) });
    });
  });
}

const isOk = (r: WorkerResult | WorkerFailure): r is WorkerResult => !('failed' in r);

/** the round with the median figure, with every round's figure */
function medianOf<T>(rounds: T[], figure: (r: T) => number): (T & { runs: number[] }) | null {
  if (rounds.length === 0) return null;
  const sorted = [...rounds].sort((a, b) => figure(a) - figure(b));
  return { ...sorted[Math.floor(sorted.length / 2)]!, runs: rounds.map(figure) };
}

function sumErrors(rounds: Concurrent[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.errors)) total[k] = (total[k] ?? 0) + v;
  return total;
}

function summarizeTarget(rounds: WorkerResult[]) {
  const concurrent = (pick: (r: WorkerResult) => Concurrent | undefined) => {
    const all = rounds.map(pick).filter((c): c is Concurrent => c !== undefined);
    const median = medianOf(all, (c) => c.eventsPerSec);
    if (!median) return null;
    return {
      ...median,
      allRounds: {
        attempts: all.reduce((a, c) => a + c.attempts, 0),
        errorCount: all.reduce((a, c) => a + c.errorCount, 0),
        errors: sumErrors(all),
      },
    };
  };
  return {
    sequential: [1, 10, 100].map((batch) =>
      medianOf(
        rounds.map((r) => r.sequential.find((s) => s.batch === batch)!),
        (s) => s.eventsPerSec,
      ),
    ),
    aggregateLoad: medianOf(
      rounds.map((r) => r.aggregateLoad),
      (a) => a.loadsPerSec,
    ),
    concurrentShared: concurrent((r) => r.concurrentShared),
    concurrentPerWriter: concurrent((r) => r.concurrentPerWriter),
    rawGrouped16: medianOf(
      rounds.map((r) => r.rawGrouped16).filter((g): g is NonNullable<typeof g> => g !== undefined),
      (g) => g.eventsPerSec,
    ),
  };
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? null : round(a / b, 2);

export async function benchPeers(rounds = 3, budgetMs = 1500): Promise<Record<string, unknown>> {
  ensurePeersInstalled();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-peers-'));
  try {
    const results: Record<TargetName, WorkerResult[]> = { ours: [], raw: [], emmett: [] };
    const failures: WorkerFailure[] = [];
    for (let r = 0; r < rounds; r++) {
      // rotate the order so no store always runs right after another's fsync storm
      const order = TARGETS.map((_, i) => TARGETS[(i + r) % TARGETS.length]!);
      for (const target of order) {
        const roundDir = fs.mkdtempSync(path.join(dir, `${target}-${r}-`));
        const result = await runWorker(target, roundDir, budgetMs);
        if (isOk(result)) results[target].push(result);
        else failures.push(result);
        fs.rmSync(roundDir, { recursive: true, force: true });
      }
    }
    const ours = summarizeTarget(results.ours);
    const raw = summarizeTarget(results.raw);
    const emmett = results.emmett.length ? summarizeTarget(results.emmett) : null;
    const seq = (t: typeof ours | null, batch: number) => t?.sequential.find((s) => s?.batch === batch)?.eventsPerSec;
    return {
      setup: {
        rounds,
        budgetMsPerWorkload: budgetMs,
        statistic: 'median round (runs lists every round); concurrent errors summed over all rounds',
        durability:
          'WAL with synchronous=FULL for ours and raw; Emmett sets WAL and leaves synchronous at the SQLite default (FULL)',
        peer: {
          package: '@event-driven-io/emmett-sqlite',
          version: peerVersion('@event-driven-io/emmett-sqlite'),
          binding: `sqlite3 ${peerVersion('sqlite3') ?? '(not installed)'}`,
        },
        workloads:
          'sequential: one writer, one stream, exact expected revision, each append awaited; concurrent: 16 writers, own stream each, batches of 1, one store instance (shared) or one each (perWriter); aggregate: read + fold a 100-event stream',
      },
      ours,
      rawBetterSqlite3: raw,
      emmettSqlite: emmett,
      failures,
      ratios: {
        oursVsRaw: {
          sequentialBatch1: ratio(seq(ours, 1), seq(raw, 1)),
          sequentialBatch10: ratio(seq(ours, 10), seq(raw, 10)),
          sequentialBatch100: ratio(seq(ours, 100), seq(raw, 100)),
          concurrent16VsRawTxPerAppend: ratio(ours.concurrentShared?.eventsPerSec, raw.concurrentShared?.eventsPerSec),
          concurrent16VsRawGrouped16: ratio(ours.concurrentShared?.eventsPerSec, raw.rawGrouped16?.eventsPerSec),
          aggregateLoad: ratio(ours.aggregateLoad?.loadsPerSec, raw.aggregateLoad?.loadsPerSec),
        },
        oursVsEmmett: emmett
          ? {
              sequentialBatch1: ratio(seq(ours, 1), seq(emmett, 1)),
              sequentialBatch10: ratio(seq(ours, 10), seq(emmett, 10)),
              sequentialBatch100: ratio(seq(ours, 100), seq(emmett, 100)),
              concurrent16Shared: ratio(ours.concurrentShared?.eventsPerSec, emmett.concurrentShared?.eventsPerSec),
              aggregateLoad: ratio(ours.aggregateLoad?.loadsPerSec, emmett.aggregateLoad?.loadsPerSec),
            }
          : null,
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchPeers().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
