/**
 * Place-booking A/B on a busy machine: two platforms (two source trees, or one tree with two
 * environments) run side by side and are loaded in alternating short bursts, so whatever
 * else the machine does weighs on both alike. Reports each side's server CPU per booking
 * (the steadier figure), the median of the bursts' req/s and their p50/p99.
 *
 *   npx tsx ops/bench/interleaved-ab.ts <sideA>+<sideB> [rounds=8] [burstSeconds=3] [connections=64]
 *
 * A side is a source tree's root, optionally with environment overrides after `@`
 * (`KEY=value;KEY=value`), e.g. `/tmp/before+.` or `.+.@ROLES=command,read-api`. A "before"
 * tree is a copy of this one (node_modules may be symlinks to this one's, except
 * node_modules/@booking, whose links must point into the copy).
 *
 * AB_ENTRY=bundle runs each side's production bundle (what `npm start` runs; built in that
 * tree first when a source changed) instead of its TypeScript through tsx.
 * NODE_OPTIONS as an environment override passes V8 flags to one side, e.g.
 * `.+.@NODE_OPTIONS=--max-semi-space-size=64`.
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
  spawnPlatform,
  stopChild,
  waitUp,
} from './bench-processes.js';

interface Side {
  spec: string;
  child: ChildProcess;
  port: number;
  dataDir: string;
  offeringId: string;
  requests: number;
  cpuMs: number;
  bursts: { requestsPerSec: number; p50Ms: number; p99Ms: number }[];
}

const [sidesArg, roundsArg, burstArg, connectionsArg] = process.argv.slice(2);
if (!sidesArg?.includes('+')) throw new Error('usage: interleaved-ab.ts <sideA>+<sideB> [rounds] [burst s] [conns]');
const rounds = Number(roundsArg ?? 8);
const burstSeconds = Number(burstArg ?? 3);
const connections = Number(connectionsArg ?? 64);

const { provider, customer } = benchTokens();
const bundleEntry = process.env.AB_ENTRY === 'bundle';

/** `root`'s production bundle (ops/dist/platform), rebuilt there first when stale; the bench defaults of spawnPlatform */
async function startSide(spec: string): Promise<Side> {
  const at = spec.indexOf('@');
  const root = path.resolve(at < 0 ? spec : spec.slice(0, at));
  const env = at < 0 ? {} : parseEnvSpec(spec.slice(at + 1));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'interleaved-ab-'));
  const port = await freePort();
  const child = spawnPlatform(dataDir, port, { env, root, quiet: true, entry: bundleEntry ? 'bundle' : 'tsx' });
  await waitUp(`http://127.0.0.1:${port}/health`, child);
  const offeringId = await createBenchOffering(port, provider);
  return { spec, child, port, dataDir, offeringId, requests: 0, cpuMs: 0, bursts: [] };
}

async function burst(side: Side): Promise<void> {
  const before = cpuTimeMs(side.child.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${side.port}/api/bookings`,
    method: 'POST',
    connections,
    duration: burstSeconds,
    body: JSON.stringify({ offeringId: side.offeringId, quantity: 1 }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
  });
  // the projections catch up after the burst: that CPU belongs to these bookings too
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = cpuTimeMs(side.child.pid);
  if (before === null || after === null) throw new Error('no CPU time from /proc (Linux only)');
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${side.spec}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  side.cpuMs += after - before;
  side.requests += result.requests.total;
  side.bursts.push({ requestsPerSec: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const sides: Side[] = [];
try {
  for (const spec of sidesArg.split('+')) sides.push(await startSide(spec));
  // ABBA...: neither side always goes first
  for (let round = 0; round < rounds; round++)
    for (const side of round % 2 ? [...sides].reverse() : sides) await burst(side);
  console.log(
    JSON.stringify(
      {
        connections,
        rounds,
        burstSeconds,
        loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
        sides: sides.map((s) => ({
          side: s.spec,
          serverCpuUsPerRequest: Math.round((s.cpuMs * 1000) / s.requests),
          requests: s.requests,
          medianRequestsPerSec: median(s.bursts.map((b) => b.requestsPerSec)),
          medianP50Ms: median(s.bursts.map((b) => b.p50Ms)),
          medianP99Ms: median(s.bursts.map((b) => b.p99Ms)),
        })),
      },
      null,
      2,
    ),
  );
} finally {
  for (const s of sides) {
    await stopChild(s.child);
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
}
