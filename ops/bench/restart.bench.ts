/**
 * Start-up and restart of the all-in-one platform on a large history (issue #10: restart
 * to /ready <= 2 s with 1M events in the store).
 *
 *   npx tsx ops/bench/restart.bench.ts prepare <dataDir> <events>   # history + read models
 *   npx tsx ops/bench/restart.bench.ts run <dataDir> [starts] [cpuProfDir] [--entry=bundle|tsx] [--book]
 *
 * `prepare` appends schema-valid bookings (fast-history.ts) until the store holds
 * `events`, then projects the whole log into the read-model file, as a platform that has
 * caught up leaves it. `run` starts the platform on that folder `starts` times (default
 * 2), each until /ready answers 200, then stops it with SIGTERM, and prints per start:
 * spawn -> /health, spawn -> /ready, the RSS and the CPU time spent at ready. With `cpuProfDir` the last start
 * runs with --cpu-prof (summarise with cpu-profile-top.ts). `--entry` picks how the
 * platform starts: `bundle` (default) is the production entry, the bundled JavaScript the
 * Dockerfile and `npm start` run; `tsx` transforms the TypeScript at start (the old way).
 * `--book` books the product with the longest inventory stream right after /ready (the
 * first start on a folder without snapshots folds its stream; later starts load the
 * snapshot the first one left).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_JWT_SECRET, mintToken } from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import {
  cpuTimeMs,
  freePort,
  ensurePlatformBundle,
  rssMb,
  spawnPlatform,
  stopChild,
  waitUp,
  type PlatformEntry,
} from './bench-processes.js';
import { appendHistory } from './fast-history.js';
import { measureRebuild } from './projection.bench.js';
import { round } from './stats.js';

async function prepare(dataDir: string, events: number): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
  const before = Number((await store.headPosition()).commit);
  const t0 = performance.now();
  if (before < events) await appendHistory(store, Math.ceil((events - before) / 6));
  const head = Number((await store.headPosition()).commit);
  console.error(`history: ${before} -> ${head} events in ${round((performance.now() - t0) / 1000)} s`);
  const docs = new EmbeddedDocumentStore({ path: path.join(dataDir, 'read-models.sqlite') });
  const rebuild = await measureRebuild(store, docs);
  await rebuild.runner.stop();
  await docs.close();
  await store.close();
  console.error(`read models: ${rebuild.events} events in ${rebuild.seconds} s (${rebuild.eventsPerSec}/s)`);
}

interface StartFigures {
  healthMs: number;
  readyMs: number;
  rssAtReadyMb: number | null;
  /** CPU time (user + system) the platform spent until /ready: steadier than the wall time on a busy machine */
  cpuMsAtReady: number | null;
  /** with --book: the first booking of the product with the longest inventory stream right
   *  after /ready (cold: nothing of it loaded), then the p50 of the next 5 */
  hotBooking?: { coldMs: number; warmP50Ms: number; inventoryEvents: number };
  stopMs: number;
}

/** The product whose inventory stream is longest, read from the store before the start. */
function hotProduct(dataDir: string): { offeringId: string; inventoryEvents: number } {
  const db = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare(
        "SELECT stream_id AS streamId, revision FROM streams WHERE stream_id LIKE 'inventory-%' ORDER BY revision DESC LIMIT 1",
      )
      .get() as { streamId: string; revision: number } | undefined;
    if (!row) throw new Error(`${dataDir}: no inventory stream to book`);
    return { offeringId: row.streamId.slice('inventory-'.length), inventoryEvents: row.revision + 1 };
  } finally {
    db.close();
  }
}

async function bookHotProduct(port: number, hot: { offeringId: string; inventoryEvents: number }) {
  const customer = mintToken(
    { secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET, issuer: 'booking-platform', expiresIn: 3600 },
    { id: 'customer-restart', role: 'customer' },
  );
  const book = async () => {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
      body: JSON.stringify({ offeringId: hot.offeringId, quantity: 1 }),
    });
    const ms = performance.now() - t;
    if (res.status !== 201) throw new Error(`booking the hot product answered ${res.status}: ${await res.text()}`);
    return ms;
  };
  const coldMs = await book();
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await book());
  warm.sort((a, b) => a - b);
  return { coldMs: round(coldMs, 1), warmP50Ms: round(warm[2]!, 1), inventoryEvents: hot.inventoryEvents };
}

async function startOnce(
  dataDir: string,
  entry: PlatformEntry,
  book: boolean,
  cpuProfDir?: string,
): Promise<StartFigures> {
  const port = await freePort();
  const hot = book ? hotProduct(dataDir) : null;
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  // a stale bundle is rebuilt before the clock starts
  if (entry === 'bundle') ensurePlatformBundle();
  const t0 = performance.now();
  const child = spawnPlatform(dataDir, port, { nodeArgs, entry });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, child, 600_000, 10);
    const healthMs = performance.now() - t0;
    await waitUp(`http://127.0.0.1:${port}/ready`, child, 600_000, 10);
    const readyMs = performance.now() - t0;
    const rssAtReadyMb = rssMb(child.pid);
    const cpuMsAtReady = cpuTimeMs(child.pid);
    const hotBooking = hot ? await bookHotProduct(port, hot) : undefined;
    const t1 = performance.now();
    await stopChild(child);
    return {
      healthMs: round(healthMs, 0),
      readyMs: round(readyMs, 0),
      rssAtReadyMb,
      cpuMsAtReady,
      ...(hotBooking ? { hotBooking } : {}),
      stopMs: round(performance.now() - t1, 0),
    };
  } finally {
    await stopChild(child);
  }
}

const args = process.argv.slice(2);
const entryFlag = args.find((a) => a.startsWith('--entry='))?.slice('--entry='.length) ?? 'bundle';
if (entryFlag !== 'bundle' && entryFlag !== 'tsx') throw new Error(`--entry must be bundle or tsx, not ${entryFlag}`);
const book = args.includes('--book');
const [mode, dataDir, ...rest] = args.filter((a) => !a.startsWith('--'));
if (mode === 'prepare' && dataDir) {
  await prepare(path.resolve(dataDir), Number(rest[0] ?? 100_000));
} else if (mode === 'run' && dataDir) {
  const starts = Number(rest[0] ?? 2);
  const profDir = rest[1] ? path.resolve(rest[1]) : undefined;
  for (let i = 1; i <= starts; i++) {
    const figures = await startOnce(path.resolve(dataDir), entryFlag, book, i === starts ? profDir : undefined);
    console.log(JSON.stringify({ start: i, entry: entryFlag, ...figures }));
  }
} else {
  console.error(
    'usage: restart.bench.ts prepare <dataDir> <events> | run <dataDir> [starts] [cpuProfDir] [--entry=bundle|tsx] [--book]',
  );
  process.exit(2);
}
