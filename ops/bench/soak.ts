/**
 * `npm run soak`: the all-in-one platform (`npm start`'s entry, a child process on a
 * temporary data folder) under a steady, open-loop load for SOAK_DURATION_S seconds
 * (default 600): customers browse, book, pay and read their booking; one booking in ten is
 * left unpaid and lapses (HOLD_MINUTES=1), so hold expiry runs too. Every SOAK_SAMPLE_S
 * seconds it records the process's RSS, the event count and the projection lag; at the
 * end it prints one JSON document (and writes it to bench-results/soak-latest.json) with
 * RSS over time and its trend after warm-up, error counts by kind, and latency
 * percentiles per operation.
 *
 * SOAK_RATE: flows started per second (default 4). A flow is browse, book, start the
 * payment, pay, read the booking (5 requests); an unpaid one skips the payment (3).
 * SOAK_HEAP_SNAPSHOTS=1: the platform writes a heap snapshot when the warm-up ends and one
 * at the end, and the result says which live objects grew in between (each snapshot stops
 * the platform for a few seconds, which shows in that moment's latencies).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@booking/shared-kernel';
import { httpCall, type HttpAnswer, type HttpCall } from '../test-support/http-client.js';
import { freePort, REPO_ROOT, startPlatformProcess } from '../test-support/platform-process.js';
import { tokenFor } from '../test-support/fault-load.js';
import { tempDir } from '../test-support/harness.js';
import { percentile, round } from './stats.js';
import { heapDiff, heapGroups } from './heap-snapshot-diff.js';

const DURATION_S = Number(process.env.SOAK_DURATION_S ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 4);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? 10);
const WARMUP_S = Math.min(60, DURATION_S / 5);
const HEAP_SNAPSHOTS = process.env.SOAK_HEAP_SNAPSHOTS === '1';

const dataDir = tempDir('booking-soak-');
const heapDir = path.join(dataDir, 'heap');
const config = loadConfig({ NODE_ENV: 'test' });
const keys = { secret: config.jwtSecret, issuer: config.jwtIssuer };
const port = await freePort();
const platform = await startPlatformProcess({
  port,
  env: {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    HOLD_MINUTES: '1',
    ...(HEAP_SNAPSHOTS
      ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${heapDir}` }
      : {}),
  },
  logFile: path.join(dataDir, 'platform.log'),
});
const base = platform.baseUrl;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const latencies = new Map<string, number[]>();
const errors = new Map<string, number>();
let requests = 0;
let inFlight = 0;
let maxInFlight = 0;

async function timed(
  op: string,
  path: string,
  call: HttpCall,
  ok: (a: HttpAnswer) => boolean,
): Promise<HttpAnswer | null> {
  requests++;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const t = performance.now();
  try {
    const a = await httpCall(base, path, { timeoutMs: 30_000, ...call }, agent);
    const ms = performance.now() - t;
    (latencies.get(op) ?? latencies.set(op, []).get(op)!).push(ms);
    if (!ok(a)) {
      const k = `${op} ${a.status} ${String(a.body?.code ?? '')}`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
      return null;
    }
    return a;
  } catch (err) {
    const k = `${op} network ${err instanceof Error ? err.message.slice(0, 60) : String(err)}`;
    errors.set(k, (errors.get(k) ?? 0) + 1);
    return null;
  } finally {
    inFlight--;
  }
}

const provider = { authorization: `Bearer ${tokenFor(keys, 'provider-kiln-ceramics', 'provider')}` };
const created = await httpCall(base, '/api/offerings', {
  headers: provider,
  body: {
    kind: 'product',
    title: 'Soak mug',
    category: 'ceramics',
    price: { amount: 1500, currency: 'EUR' },
    stock: 1_000_000,
    publish: true,
  },
});
if (created.status !== 201) throw new Error(`could not create the offering: ${created.status} ${created.text}`);
const offeringId = created.body!.offeringId as string;

let flowNo = 0;
async function flow(): Promise<void> {
  const n = flowNo++;
  const customer = `customer-soak${n % 200}`;
  const auth = { authorization: `Bearer ${tokenFor(keys, customer, 'customer')}` };
  const is2xx = (a: HttpAnswer) => a.status >= 200 && a.status < 300;
  await timed('browse', '/api/offerings?q=mug&pageSize=10', {}, is2xx);
  const booked = await timed(
    'book',
    '/api/bookings',
    { method: 'POST', headers: auth, body: { offeringId, quantity: 1 } },
    (a) => a.status === 201,
  );
  if (!booked) return;
  const bookingId = booked.body!.bookingId as string;
  if (n % 10 !== 0) {
    const started = await timed(
      'start-payment',
      `/api/bookings/${bookingId}/payment`,
      { method: 'POST', headers: auth },
      is2xx,
    );
    if (started) {
      await timed(
        'pay',
        `/api/payments/${started.body!.paymentId as string}/sandbox-confirm`,
        { method: 'POST', headers: auth, body: { cardNumber: '4242 4242 4242 4242' } },
        (a) => a.body?.status === 'SUCCEEDED',
      );
    }
  }
  await timed(
    'read-booking',
    `/api/bookings/${bookingId}`,
    { headers: { ...auth, 'x-min-position': String(booked.body!.position) } },
    is2xx,
  );
}

interface Sample {
  t: number;
  rssMb: number | null;
  heads: string | null;
  lag: string | null;
  requests: number;
  errors: number;
  inFlight: number;
}
const samples: Sample[] = [];
const t0 = Date.now();
async function sample(): Promise<void> {
  const p = await httpCall(base, '/api/status/projections').catch(() => null);
  const rss = platform.rssBytes();
  samples.push({
    t: Math.round((Date.now() - t0) / 1000),
    rssMb: rss === null ? null : round(rss / 2 ** 20, 1),
    heads: (p?.body?.head as string | undefined) ?? null,
    lag: (p?.body?.lag as string | undefined) ?? null,
    requests,
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    inFlight,
  });
  const last = samples[samples.length - 1]!;
  console.error(
    `[soak] t=${last.t}s rss=${last.rssMb} MB events=${last.heads} lag=${last.lag} requests=${last.requests} errors=${last.errors}`,
  );
}

/** Signals the platform to write a heap snapshot and waits until the file is complete. */
async function heapSnapshot(): Promise<string> {
  fs.mkdirSync(heapDir, { recursive: true });
  const before = new Set(fs.readdirSync(heapDir));
  process.kill(platform.pid, 'SIGUSR2');
  for (let lastSize = -1; ;) {
    await new Promise((r) => setTimeout(r, 1000));
    const file = fs.readdirSync(heapDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = fs.statSync(path.join(heapDir, file)).size;
    // V8 writes the file in one go; a size that stopped changing means it is done
    if (size > 0 && size === lastSize) return path.join(heapDir, file);
    lastSize = size;
  }
}
const snapshots: string[] = [];
let snapshotAt: Promise<void> | null = null;
if (HEAP_SNAPSHOTS) {
  snapshotAt = new Promise((r) => setTimeout(r, WARMUP_S * 1000)).then(async () => {
    snapshots.push(await heapSnapshot());
  });
}

// Open loop: a flow starts every 1/RATE s whatever the previous ones are doing.
const flows: Promise<void>[] = [];
await sample();
const sampler = setInterval(() => void sample(), SAMPLE_S * 1000);
const interval = 1000 / RATE;
for (let next = Date.now(); Date.now() - t0 < DURATION_S * 1000; next += interval) {
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const f = flow();
  flows.push(f);
  if (flows.length > 1000) flows.splice(0, flows.length - 1000);
}
await Promise.all(flows);
clearInterval(sampler);
await sample();
let heap: ReturnType<typeof heapDiff> | null = null;
if (snapshotAt) {
  await snapshotAt;
  snapshots.push(await heapSnapshot());
  heap = heapDiff(heapGroups(snapshots[0]!), heapGroups(snapshots[1]!));
}

/** Least-squares slope of RSS (MB per minute) over the samples after warm-up. */
function rssTrend(points: Sample[]): { mbPerMinute: number; firstMb: number; lastMb: number; maxMb: number } | null {
  const xs = points.filter((s) => s.t >= WARMUP_S && s.rssMb !== null);
  if (xs.length < 3) return null;
  const mx = xs.reduce((a, s) => a + s.t, 0) / xs.length;
  const my = xs.reduce((a, s) => a + s.rssMb!, 0) / xs.length;
  const num = xs.reduce((a, s) => a + (s.t - mx) * (s.rssMb! - my), 0);
  const den = xs.reduce((a, s) => a + (s.t - mx) ** 2, 0);
  return {
    mbPerMinute: round((num / den) * 60, 3),
    firstMb: xs[0]!.rssMb!,
    lastMb: xs[xs.length - 1]!.rssMb!,
    maxMb: Math.max(...xs.map((s) => s.rssMb!)),
  };
}

const perOperation = Object.fromEntries(
  [...latencies].map(([op, ms]) => {
    const s = [...ms].sort((a, b) => a - b);
    return [
      op,
      {
        count: s.length,
        p50Ms: round(percentile(s, 50)),
        p90Ms: round(percentile(s, 90)),
        p99Ms: round(percentile(s, 99)),
        maxMs: round(s[s.length - 1] ?? NaN),
      },
    ];
  }),
);
const result = {
  soak: {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg().map((x) => round(x)) },
    durationS: DURATION_S,
    flowsPerSecond: RATE,
    flows: flowNo,
    requests,
    requestsPerSecond: round(requests / ((Date.now() - t0) / 1000)),
    maxInFlight,
    errors: Object.fromEntries(errors),
    errorCount: [...errors.values()].reduce((a, b) => a + b, 0),
    latency: perOperation,
    rss: { warmupS: WARMUP_S, trendAfterWarmup: rssTrend(samples), samples },
    ...(heap ? { heapGrowthAfterWarmup: heap } : {}),
  },
};

await platform.stop();
agent.destroy();
fs.rmSync(dataDir, { recursive: true, force: true });
const out = path.join(REPO_ROOT, 'bench-results', 'soak-latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
