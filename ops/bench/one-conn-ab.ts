/**
 * Place-booking latency at one connection (issue #10: p99 <= 3 ms), A/B on a busy machine:
 * several variants of the bundled platform (this tree, different environments, e.g. node
 * flags through NODE_OPTIONS or a feature switch) plus the floor (the bare route with one
 * durable SQLite insert per request, bare-durable-express.ts) run side by side and are
 * loaded in alternating bursts, so whatever else the machine does weighs on all alike.
 * Every request's latency is kept, so the percentiles are over all bursts of a variant
 * (not a median of per-burst figures); the server's CPU per request comes from /proc.
 *
 *   npx tsx ops/bench/one-conn-ab.ts [rounds=6] [burstSeconds=5] <variant>...
 *
 * A variant is `name` or `name@KEY=value;KEY=value`; the name `floor` is the bare durable
 * route, e.g. `floor base base-semi@NODE_OPTIONS=--max-semi-space-size=4`. The key
 * BUNDLE_ROOT=<tree> runs that tree's bundle (ops/dist/platform, built there first if stale)
 * instead of this tree's, e.g. a copy with a change undone: `before@BUNDLE_ROOT=/tmp/before`.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import {
  benchTokens,
  cpuTimeMs,
  createBenchOffering,
  freePort,
  parseEnvSpec,
  spawnBareDurableExpress,
  spawnPlatform,
  stopChild,
  waitUp,
} from './bench-processes.js';

/** AB_CONNECTIONS: connections per burst (default 1, this tool's purpose; more for the same A/B under load) */
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? 1);

interface Variant {
  name: string;
  child: ChildProcess;
  url: string;
  body: string;
  headers: Record<string, string>;
  dataDir: string;
  cpuMs: number;
  latenciesMs: number[];
}

const args = process.argv.slice(2);
const rounds = Number(args[0] ?? 6);
const burstSeconds = Number(args[1] ?? 5);
const specs = args.slice(2);
if (specs.length === 0) throw new Error('usage: one-conn-ab.ts [rounds] [burst s] <variant>...');

const { provider, customer } = benchTokens();

async function start(spec: string): Promise<Variant> {
  const at = spec.indexOf('@');
  const name = at < 0 ? spec : spec.slice(0, at);
  const env = at < 0 ? {} : parseEnvSpec(spec.slice(at + 1));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-conn-ab-'));
  const port = await freePort();
  if (name === 'floor') {
    const child = spawnBareDurableExpress(port, path.join(dataDir, 'bookings.sqlite'));
    await waitUp(`http://127.0.0.1:${port}/health`, child);
    return {
      name,
      child,
      url: `http://127.0.0.1:${port}/bookings`,
      body: JSON.stringify({ offeringId: 'x', quantity: 1 }),
      headers: {},
      dataDir,
      cpuMs: 0,
      latenciesMs: [],
    };
  }
  const { BUNDLE_ROOT: bundleRoot, ...platformEnv } = env;
  const child = spawnPlatform(dataDir, port, {
    env: platformEnv,
    quiet: true,
    entry: 'bundle',
    ...(bundleRoot ? { root: path.resolve(bundleRoot) } : {}),
  });
  await waitUp(`http://127.0.0.1:${port}/health`, child);
  const offeringId = await createBenchOffering(port, provider);
  return {
    name: spec,
    child,
    url: `http://127.0.0.1:${port}/api/bookings`,
    body: JSON.stringify({ offeringId, quantity: 1 }),
    headers: { authorization: `Bearer ${customer}` },
    dataDir,
    cpuMs: 0,
    latenciesMs: [],
  };
}

async function burst(v: Variant, seconds: number, counted: boolean): Promise<void> {
  const before = cpuTimeMs(v.child.pid);
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: v.url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        body: v.body,
        headers: { 'content-type': 'application/json', ...v.headers },
      },
      (err, r) => (err ? reject(err as Error) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${v.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  // the projections catch up after the burst: that CPU belongs to these bookings too
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = cpuTimeMs(v.child.pid);
  if (!counted) return;
  if (before === null || after === null) throw new Error('no CPU time from /proc (Linux only)');
  v.cpuMs += after - before;
  v.latenciesMs.push(...latencies);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

const variants: Variant[] = [];
try {
  for (const spec of specs) variants.push(await start(spec));
  for (const v of variants) await burst(v, 3, false); // warm-up, not counted
  for (let r = 0; r < rounds; r++)
    for (const v of r % 2 ? [...variants].reverse() : variants) await burst(v, burstSeconds, true);
  console.log(
    JSON.stringify(
      {
        rounds,
        burstSeconds,
        loadAverage: os.loadavg().map((l) => round2(l)),
        variants: variants.map((v) => {
          const sorted = [...v.latenciesMs].sort((a, b) => a - b);
          return {
            variant: v.name,
            requests: sorted.length,
            requestsPerSec: Math.round(sorted.length / (rounds * burstSeconds)),
            p50Ms: round2(percentile(sorted, 0.5)),
            p90Ms: round2(percentile(sorted, 0.9)),
            p99Ms: round2(percentile(sorted, 0.99)),
            p999Ms: round2(percentile(sorted, 0.999)),
            over3MsPct: round2((sorted.filter((l) => l > 3).length / sorted.length) * 100),
            serverCpuUsPerRequest: Math.round((v.cpuMs * 1000) / sorted.length),
          };
        }),
      },
      null,
      2,
    ),
  );
} finally {
  for (const v of variants) {
    await stopChild(v.child);
    fs.rmSync(v.dataDir, { recursive: true, force: true });
  }
}
