/**
 * Cost growth: the same measures with 10k, 100k and 1M events already in the store.
 *
 *   npm run bench -- --scale                 # 10k, 100k, 1m
 *   BENCH_SCALE=10k,100k npm run bench       # chosen sizes (also --scale=10k,100k)
 *
 * One store grows from size to size (fast-history.ts: schema-valid bookings appended with
 * group commit). At each size:
 * - the event store, in this process: sequential single appends (latency), 16 concurrent
 *   writers, aggregate loads of a 100-event stream, and loads of the longest stream in the
 *   history (a product's inventory stream, which grows with the history);
 * - a projection rebuild of the whole log into a fresh read-model file, next to a bare
 *   read+decode loop over the same log, then append -> read-model lag under steady load;
 * - the all-in-one platform started on that data folder (the rebuilt read models are what
 *   it would have on disk): spawn -> /ready, RSS at ready, place-booking over HTTP, the
 *   first (cold) and following (warm) bookings of the longest-history product, RSS after,
 *   then a second start (restart -> /ready, reactors' checkpoints present) and its cold
 *   booking of the same product (from the snapshot the first start left).
 * References from the same run: the platform on an empty store, and the bare express route.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_JWT_SECRET, mintToken } from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { freePort, rssMb, spawnPlatform, stopChild, waitUp } from './bench-processes.js';
import { appendHistory } from './fast-history.js';
import { benchBareExpress, benchPlaceBooking, throughputRatios } from './http.bench.js';
import { measureReadDecode, measureRebuild, steadyLag } from './projection.bench.js';
import { round, summarize } from './stats.js';
import { aggregateLoads, concurrent, sequential, storeTarget } from './store-workloads.js';

export interface ScaleOptions {
  sizes: number[];
  /** seconds of autocannon per connection level */
  httpSeconds: number;
  httpLevels: number[];
  /** time box of each event store workload */
  storeBudgetMs: number;
  lagRatePerSec: number;
  lagSeconds: number;
  /** how long /ready may answer 503 before the run records why and carries on */
  readyTimeoutMs: number;
  /** when set, the platform runs with --cpu-prof and writes its profiles here */
  cpuProfDir?: string;
}

export const defaultScaleOptions: ScaleOptions = {
  sizes: [10_000, 100_000, 1_000_000],
  httpSeconds: 5,
  httpLevels: [1, 16, 64],
  storeBudgetMs: 2000,
  lagRatePerSec: 200,
  lagSeconds: 5,
  readyTimeoutMs: 180_000,
};

/** "10k,100k,1m" -> [10000, 100000, 1000000] */
export function parseSizes(spec: string): number[] {
  return spec
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+(?:\.\d+)?)([km]?)$/.exec(s);
      if (!m) throw new Error(`not a size: ${s} (use e.g. 10k, 100k, 1m)`);
      return Math.round(Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'm' ? 1e6 : 1));
    })
    .sort((a, b) => a - b);
}

const tokens = { secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET, issuer: 'booking-platform', expiresIn: 3600 };

/** The inventory stream of an existing offering with the most events (a product booked
 *  all through the history), read straight from the file. */
function longestStream(file: string): { streamId: string; events: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        `SELECT stream_id, revision FROM streams s WHERE stream_id LIKE 'inventory-%'
           AND EXISTS (SELECT 1 FROM streams o WHERE o.stream_id = 'offering-' || substr(s.stream_id, 11))
         ORDER BY revision DESC LIMIT 1`,
      )
      .get() as {
      stream_id: string;
      revision: number;
    };
    return { streamId: row.stream_id, events: row.revision + 1 };
  } finally {
    db.close();
  }
}

async function timedLoads(store: SqliteEventStore, streamId: string, loads: number) {
  const latencies: number[] = [];
  for (let i = 0; i < loads; i++) {
    const t = performance.now();
    await store.readStream(streamId);
    latencies.push(performance.now() - t);
  }
  return summarize(latencies);
}

/** Books `offeringId` once (cold: the command side has never loaded its inventory), then
 *  `warm` more times one after the other. */
async function coldAndWarmBookings(port: number, offeringId: string, warm: number) {
  const customer = mintToken(tokens, { id: 'customer-scale', role: 'customer' });
  const book = async () => {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
      body: JSON.stringify({ offeringId, quantity: 1 }),
    });
    const ms = performance.now() - t;
    if (res.status !== 201)
      throw new Error(`booking the history's product answered ${res.status}: ${await res.text()}`);
    return ms;
  };
  const coldMs = await book();
  const warmMs: number[] = [];
  for (let i = 0; i < warm; i++) warmMs.push(await book());
  return { coldMs: round(coldMs), warm: summarize(warmMs) };
}

interface PlatformRun {
  healthMs: number;
  /** spawn -> /ready answers 200; null when it did not within readyTimeoutMs */
  readyMs: number | null;
  notReadyAfterTimeout?: unknown;
  rssAtReadyMb: number | null;
  hotProductBooking?: Awaited<ReturnType<typeof coldAndWarmBookings>>;
  placeBooking?: Awaited<ReturnType<typeof benchPlaceBooking>>;
  rssAfterLoadMb?: number | null;
  peakRssMb?: number | null;
}

function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

/** Starts the all-in-one platform on `dataDir`; spawn -> /health and -> /ready (200). */
async function platformRun(
  dataDir: string,
  options: ScaleOptions,
  work: { http: boolean; hotOfferingId?: string; profileName?: string },
): Promise<PlatformRun> {
  const port = await freePort();
  const nodeArgs =
    options.cpuProfDir && work.profileName
      ? // a folder per run: the loader's worker thread writes a profile of its own
        ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfDir, work.profileName)}`]
      : [];
  const t0 = performance.now();
  const child = spawnPlatform(dataDir, port, { nodeArgs });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, child, 600_000, 10);
    const healthMs = performance.now() - t0;
    let readyMs: number | null = null;
    let notReady: unknown = undefined;
    try {
      await waitUp(`http://127.0.0.1:${port}/ready`, child, options.readyTimeoutMs, 10);
      readyMs = round(performance.now() - t0, 0);
    } catch {
      // keep measuring the rest; say why it never became ready
      notReady = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.json(),
        (err: unknown) => String(err),
      );
    }
    const run: PlatformRun = {
      healthMs: round(healthMs, 0),
      readyMs,
      ...(notReady === undefined ? {} : { notReadyAfterTimeout: notReady }),
      rssAtReadyMb: rssMb(child.pid),
    };
    if (work.hotOfferingId) run.hotProductBooking = await coldAndWarmBookings(port, work.hotOfferingId, 20);
    if (work.http) {
      run.placeBooking = await benchPlaceBooking(port, options.httpLevels, options.httpSeconds, child.pid, 2);
      run.rssAfterLoadMb = rssMb(child.pid);
    }
    run.peakRssMb = peakRssMb(child.pid);
    return run;
  } finally {
    await stopChild(child);
  }
}

function removeReadModels(dataDir: string): void {
  for (const f of fs.readdirSync(dataDir)) {
    if (f.startsWith('read-models.sqlite')) fs.rmSync(path.join(dataDir, f), { force: true });
  }
}

async function measureSize(
  grownStore: SqliteEventStore,
  dataDir: string,
  size: number,
  options: ScaleOptions,
): Promise<Record<string, unknown>> {
  const log = (what: string) => console.error(`[scale ${size}] ${what}`);
  let store = grownStore;
  const headBefore = Number((await store.headPosition()).commit);
  const t0 = performance.now();
  if (headBefore < size) await appendHistory(store, Math.ceil((size - headBefore) / 6));
  const appended = Number((await store.headPosition()).commit) - headBefore;
  const history = { appended, eventsPerSec: Math.round(appended / ((performance.now() - t0) / 1000)) };
  const eventsInStore = Number((await store.headPosition()).commit);
  log(`store holds ${eventsInStore} events; event store workloads on a copy`);

  // The workloads append thousands of events; they run on a copy of the file so the sizes
  // (and the log the projections and the platform read) stay what they say.
  await store.close();
  const file = path.join(dataDir, 'events.sqlite');
  const scratchFile = path.join(path.dirname(dataDir), `scratch-${size}.sqlite`);
  fs.copyFileSync(file, scratchFile);
  const longest = longestStream(file);
  const scratch = new SqliteEventStore({ path: scratchFile });
  const target = storeTarget(scratch, false);
  const seq1 = await sequential(target, 1, options.storeBudgetMs);
  const conc16 = await concurrent([target], 16, options.storeBudgetMs, 'conc');
  const agg = await aggregateLoads(target, options.storeBudgetMs);
  const longestLoad = await timedLoads(scratch, longest.streamId, 20);
  await scratch.close();
  for (const f of fs.readdirSync(path.dirname(scratchFile)))
    if (f.startsWith(path.basename(scratchFile))) fs.rmSync(path.join(path.dirname(scratchFile), f));
  store = new SqliteEventStore({ path: file });

  log('read+decode and projection rebuild');
  const decode = await measureReadDecode(store);
  removeReadModels(dataDir);
  const docs = new EmbeddedDocumentStore({ path: path.join(dataDir, 'read-models.sqlite') });
  const rebuild = await measureRebuild(store, docs);
  const benchRssAfterRebuildMb = rssMb(process.pid);
  log(`rebuilt ${rebuild.events} events in ${rebuild.seconds} s; steady-load lag`);
  const lag = await steadyLag(store, rebuild.runner, options.lagRatePerSec, options.lagSeconds);
  await rebuild.runner.stop();
  await docs.close();
  await store.close();

  log('platform: first start, HTTP load, restart');
  const hotOfferingId = longest.streamId.startsWith('inventory-')
    ? longest.streamId.slice('inventory-'.length)
    : undefined;
  const first = await platformRun(dataDir, options, {
    http: true,
    ...(hotOfferingId ? { hotOfferingId } : {}),
    profileName: `platform-${size}`,
  });
  // the first start's bookings left a snapshot of the long inventory stream: the restart's
  // cold booking starts from it instead of folding the whole stream
  const restart = await platformRun(dataDir, options, {
    http: false,
    ...(hotOfferingId ? { hotOfferingId } : {}),
  });
  return {
    eventsInStore,
    history,
    eventStore: {
      sequentialBatch1: seq1,
      concurrent16: conc16,
      aggregateLoad100: agg,
      longestStream: { ...longest, load: longestLoad },
    },
    projection: {
      bareReadDecode: decode,
      rebuild: { events: rebuild.events, eventsPerSec: rebuild.eventsPerSec, seconds: rebuild.seconds },
      ratioRebuildVsBareDecode: round(rebuild.eventsPerSec / decode.eventsPerSec),
      benchProcessRssAfterRebuildMb: benchRssAfterRebuildMb,
      lag,
    },
    platform: { firstStart: first, restart },
  };
}

export async function benchScale(options: ScaleOptions = defaultScaleOptions): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  try {
    console.error('[scale] references: bare express, platform on an empty store');
    const bare = await benchBareExpress(options.httpLevels, options.httpSeconds, 2);
    const emptyDir = path.join(dir, 'empty');
    fs.mkdirSync(emptyDir);
    const empty = await platformRun(emptyDir, options, { http: true, profileName: 'platform-empty' });
    const emptyRestart = await platformRun(emptyDir, options, { http: false });

    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);
    const sizes: Record<string, unknown>[] = [];
    for (const size of options.sizes) {
      const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
      const result = await measureSize(store, dataDir, size, options);
      sizes.push({ size, ...result });
      // a long run that fails later still leaves this size's figures behind
      console.error(`[scale-size] ${JSON.stringify({ size, ...result })}`);
    }
    return {
      setup: {
        ...options,
        history:
          'fast-history.ts: per booking CapacityReserved, BookingPlaced, PaymentStarted, PaymentSucceeded, CapacityConfirmed, BookingConfirmed; 50 products per growth step',
        statistic: 'one run per size; latency percentiles over the requests of that run',
      },
      references: {
        bareExpress: bare,
        emptyStore: { firstStart: empty, restart: emptyRestart },
        placeBookingVsBare: empty.placeBooking ? throughputRatios(empty.placeBooking, bare) : null,
      },
      sizes,
      growth: sizes.map((s) => growthRow(s as unknown as SizeResult, sizes[0] as unknown as SizeResult, bare)),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface SizeResult {
  size: number;
  eventsInStore: number;
  eventStore: {
    sequentialBatch1: { eventsPerSec: number; latency: { p99Ms: number } };
    concurrent16: { eventsPerSec: number };
    aggregateLoad100: { loadsPerSec: number };
  };
  projection: { rebuild: { eventsPerSec: number }; lag: { p99Ms: number } };
  platform: { firstStart: PlatformRun; restart: PlatformRun };
}

/** each measure at this size divided by the same measure at the smallest size (1 = no growth) */
function growthRow(s: SizeResult, base: SizeResult, bare: Awaited<ReturnType<typeof benchBareExpress>>) {
  const r = (a: number | null | undefined, b: number | null | undefined) =>
    a == null || b == null || b === 0 ? null : round(a / b);
  const http = (run: PlatformRun, c: number) => run.placeBooking?.find((p) => p.connections === c)?.requestsPerSec;
  return {
    size: s.size,
    sequentialAppendsPerSec: r(
      s.eventStore.sequentialBatch1.eventsPerSec,
      base.eventStore.sequentialBatch1.eventsPerSec,
    ),
    concurrent16EventsPerSec: r(s.eventStore.concurrent16.eventsPerSec, base.eventStore.concurrent16.eventsPerSec),
    aggregateLoadsPerSec: r(s.eventStore.aggregateLoad100.loadsPerSec, base.eventStore.aggregateLoad100.loadsPerSec),
    rebuildEventsPerSec: r(s.projection.rebuild.eventsPerSec, base.projection.rebuild.eventsPerSec),
    lagP99: r(s.projection.lag.p99Ms, base.projection.lag.p99Ms),
    placeBooking1ConnPerSec: r(http(s.platform.firstStart, 1), http(base.platform.firstStart, 1)),
    placeBooking64ConnPerSec: r(http(s.platform.firstStart, 64), http(base.platform.firstStart, 64)),
    restartToReadyMs: r(s.platform.restart.readyMs, base.platform.restart.readyMs),
    rssAtReadyMb: r(s.platform.restart.rssAtReadyMb, base.platform.restart.rssAtReadyMb),
    placeBooking64VsBare: r(http(s.platform.firstStart, 64), bare.find((b) => b.connections === 64)?.requestsPerSec),
  };
}
