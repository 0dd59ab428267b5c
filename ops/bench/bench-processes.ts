/**
 * Child processes for the benchmarks: the all-in-one platform and the bare express route,
 * each on its own event loop, loaded with autocannon from the parent; and their RSS.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import { DEFAULT_JWT_SECRET, mintToken } from '@booking/shared-kernel';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx; returns the milliseconds waited. */
export async function waitUp(url: string, child: ChildProcess, timeoutMs = 60_000, intervalMs = 20): Promise<number> {
  const t0 = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return performance.now() - t0;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface LoadResult {
  connections: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system, all threads) the server spent per request, when its pid was
   *  given: steadier than throughput on a busy machine */
  serverCpuUsPerRequest?: number;
  /** the uncounted run before the measured one, when there was one */
  warmup?: { seconds: number; requestsPerSec: number; p50Ms: number; p99Ms: number };
}

/** User + system CPU time of a process in ms, from /proc (Linux; 10 ms ticks); null elsewhere. */
export function cpuTimeMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (100/s)
  } catch {
    return null;
  }
}

export async function loadPost(
  url: string,
  connections: number,
  seconds: number,
  body: string,
  headers: Record<string, string>,
  serverPid?: number,
  options: { warmupSeconds?: number } = {},
): Promise<LoadResult> {
  const run = (duration: number) =>
    autocannon({
      url,
      method: 'POST',
      connections,
      duration,
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  // The same load first, not counted: the server's JIT and caches reach their steady state
  // (its figures are kept apart: what the first seconds after a start look like).
  const warm = options.warmupSeconds ? await run(options.warmupSeconds) : undefined;
  const cpuBefore = cpuTimeMs(serverPid);
  const result = await run(seconds);
  const cpuAfter = cpuTimeMs(serverPid);
  return {
    connections,
    ...(warm
      ? {
          warmup: {
            seconds: options.warmupSeconds!,
            requestsPerSec: Math.round(warm.requests.average),
            p50Ms: warm.latency.p50,
            p99Ms: warm.latency.p99,
          },
        }
      : {}),
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(cpuBefore !== null && cpuAfter !== null && result.requests.total > 0
      ? { serverCpuUsPerRequest: Math.round(((cpuAfter - cpuBefore) * 1000) / result.requests.total) }
      : {}),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process, from /proc (Linux); null elsewhere. */
export function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

export function spawnBareExpress(port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'ops/bench/bare-express.ts')], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'inherit',
  });
}

/** The bare route plus one durable SQLite insert per request (bare-durable-express.ts), into `dbFile`. */
export function spawnBareDurableExpress(port: number, dbFile: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'ops/bench/bare-durable-express.ts')], {
    env: { ...process.env, PORT: String(port), DB_FILE: dbFile },
    stdio: 'inherit',
  });
}

/** The platform's HTTP shell around a no-op route (platform-noop.ts); `env` e.g. LOG_LEVEL. */
export function spawnPlatformNoop(port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'ops/bench/platform-noop.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: 'inherit',
  });
}

/**
 * How the platform process runs: `bundle` is the production entry (the JavaScript that
 * `npm run build:platform` writes, run as the Dockerfile and `npm start` run it); `tsx`
 * transforms the TypeScript sources at start, as `npm start` did before the bundle.
 */
export type PlatformEntry = 'bundle' | 'tsx';

/** trees whose bundle was checked by this process */
const bundleChecked = new Set<string>();

/** Builds `root`'s platform bundle when a source changed since its last build (once per process and tree). */
export function ensurePlatformBundle(root = ROOT): void {
  if (bundleChecked.has(root)) return;
  execFileSync(process.execPath, [path.join(root, 'ops/build/bundle-platform.mjs'), '--if-stale'], {
    stdio: 'inherit',
  });
  bundleChecked.add(root);
}

/** Node arguments that start `root`'s ops/platform/main.ts the `entry` way (building a stale bundle first). */
export function platformEntryArgs(entry: PlatformEntry, root = ROOT): string[] {
  if (entry === 'tsx') return ['--import', 'tsx', path.join(root, 'ops/platform/main.ts')];
  ensurePlatformBundle(root);
  return ['--enable-source-maps', path.join(root, 'ops/dist/platform/main.mjs')];
}

/** `KEY=value;KEY=value` (a bench variant's environment overrides) as an object. */
export function parseEnvSpec(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(';')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/**
 * All roles in one process on the embedded defaults in `dataDir`. `nodeArgs` go before the
 * script (e.g. `--cpu-prof`); `env` overrides the bench defaults; `entry` defaults to the bundle
 * (the production entry) for this tree and to tsx for another `root` (its bundle is built
 * there when asked for); `quiet` drops the platform's stdout.
 */
export function spawnPlatform(
  dataDir: string,
  port: number,
  options: {
    env?: Record<string, string>;
    nodeArgs?: string[];
    entry?: PlatformEntry;
    root?: string;
    quiet?: boolean;
  } = {},
): ChildProcess {
  const root = options.root ?? ROOT;
  return spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...platformEntryArgs(options.entry ?? (root === ROOT ? 'bundle' : 'tsx'), root)],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        RATE_LIMIT_PER_MINUTE: '0',
        ...options.env,
      },
      stdio: options.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    },
  );
}

/** The bench's provider and customer tokens, signed like the platform's own. */
export function benchTokens(): { provider: string; customer: string } {
  const tokens = { secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET, issuer: 'booking-platform', expiresIn: 3600 };
  return {
    provider: mintToken(tokens, { id: 'provider-bench', role: 'provider' }),
    customer: mintToken(tokens, { id: 'customer-bench', role: 'customer' }),
  };
}

/** A published product with ample stock, created by the bench provider; its offering id. */
export async function createBenchOffering(port: number, providerToken: string): Promise<string> {
  const created = await fetch(`http://127.0.0.1:${port}/api/offerings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${providerToken}` },
    body: JSON.stringify({
      kind: 'product',
      title: 'Bench product',
      category: 'bench',
      price: { amount: 1000, currency: 'EUR' },
      stock: 1_000_000,
      publish: true,
    }),
  });
  if (!created.ok) throw new Error(`creating the bench offering answered ${created.status}: ${await created.text()}`);
  return ((await created.json()) as { offeringId: string }).offeringId;
}
