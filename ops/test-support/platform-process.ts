/**
 * The platform as a child process (`npm start`'s entry, ops/platform/main.ts, run with
 * tsx), for tests and scripts that kill it, restart it, or measure it from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

export interface PlatformProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** resolves with the exit code or signal */
  exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no shutdown hook runs, nothing is flushed */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the clean stop */
  stop(): Promise<void>;
  /** resident set size in bytes, from /proc (Linux) */
  rssBytes(): number | null;
}

export interface PlatformProcessOptions {
  port: number;
  /** added to (and overriding) the parent's environment */
  env: Record<string, string>;
  /** where the child's stderr/stdout go (default: a file `platform.log` next to DATA_DIR's data, or ignored) */
  logFile?: string;
  /** how long to wait for GET /health (default 60 s) */
  readyTimeoutMs?: number;
  /** node's arguments (default: ops/platform/main.ts through tsx) */
  nodeArgs?: string[];
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Variables the integration tier exports for its tests (ops/infra/test-integration.sh): a
 * child platform must not pick them up by inheritance, e.g. S3_ENDPOINT without the bucket
 * its test would choose stops it at start. A test hands a child the servers it wants.
 */
const TIER_SERVER_VARIABLES = [
  'MONGODB_URL',
  'KAFKA_BROKERS',
  'EVENTSTORE_URL',
  'POSTGRES_URL',
  'STRIPE_API_URL',
  'SMTP_URL',
  'MAILPIT_API_URL',
  'S3_ENDPOINT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'REDIS_URL',
];

function inheritedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of TIER_SERVER_VARIABLES) delete env[name];
  return env;
}

/** Starts the platform and waits until it answers /health. */
export async function startPlatformProcess(options: PlatformProcessOptions): Promise<PlatformProcess> {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, options.nodeArgs ?? ['--import', 'tsx', 'ops/platform/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), HOST: '127.0.0.1', PORT: String(options.port), ...options.env },
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') fs.closeSync(log);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!(await healthy(baseUrl))) {
    if (gone) throw new Error(`platform exited before it was ready (log: ${options.logFile ?? 'not kept'})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`platform not healthy within ${options.readyTimeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    pid: child.pid!,
    baseUrl,
    exited,
    async kill9() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
    rssBytes() {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : null;
      } catch {
        return null;
      }
    },
  };
}
