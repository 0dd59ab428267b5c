/**
 * Start-up and restart of the all-in-one platform on a large history (issue #10: restart
 * to /ready <= 2 s with 1M events in the store).
 *
 *   npx tsx ops/bench/restart.bench.ts prepare <dataDir> <events>   # history + read models
 *   npx tsx ops/bench/restart.bench.ts run <dataDir> [starts] [cpuProfDir]
 *
 * `prepare` appends schema-valid bookings (fast-history.ts) until the store holds
 * `events`, then projects the whole log into the read-model file, as a platform that has
 * caught up leaves it. `run` starts the platform on that folder `starts` times (default
 * 2), each until /ready answers 200, then stops it with SIGTERM, and prints per start:
 * spawn -> /health, spawn -> /ready and the RSS at ready. With `cpuProfDir` the last start
 * runs with --cpu-prof (summarise with cpu-profile-top.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { freePort, rssMb, spawnPlatform, stopChild, waitUp } from './bench-processes.js';
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
  stopMs: number;
}

async function startOnce(dataDir: string, cpuProfDir?: string): Promise<StartFigures> {
  const port = await freePort();
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const t0 = performance.now();
  const child = spawnPlatform(dataDir, port, { nodeArgs });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, child, 600_000, 10);
    const healthMs = performance.now() - t0;
    await waitUp(`http://127.0.0.1:${port}/ready`, child, 600_000, 10);
    const readyMs = performance.now() - t0;
    const rssAtReadyMb = rssMb(child.pid);
    const t1 = performance.now();
    await stopChild(child);
    return {
      healthMs: round(healthMs, 0),
      readyMs: round(readyMs, 0),
      rssAtReadyMb,
      stopMs: round(performance.now() - t1, 0),
    };
  } finally {
    await stopChild(child);
  }
}

const [mode, dataDir, ...rest] = process.argv.slice(2);
if (mode === 'prepare' && dataDir) {
  await prepare(path.resolve(dataDir), Number(rest[0] ?? 100_000));
} else if (mode === 'run' && dataDir) {
  const starts = Number(rest[0] ?? 2);
  const profDir = rest[1] ? path.resolve(rest[1]) : undefined;
  for (let i = 1; i <= starts; i++) {
    const figures = await startOnce(path.resolve(dataDir), i === starts ? profDir : undefined);
    console.log(JSON.stringify({ start: i, ...figures }));
  }
} else {
  console.error('usage: restart.bench.ts prepare <dataDir> <events> | run <dataDir> [starts] [cpuProfDir]');
  process.exit(2);
}
