/**
 * Starts the platform the way `npm start` does (all roles, embedded stores, demo data) on a
 * free port with a throwaway DATA_DIR, serving the built `ui/dist`, and waits until the
 * demo data is in. Shared by the end-to-end run and the screenshot script.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(uiDir, '..');
export const distDir = path.join(uiDir, 'dist');

export interface RunningPlatform {
  baseUrl: string;
  dataDir: string;
  logPath: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  platform: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (platform.exitCode !== null)
      throw new Error(`the platform exited with code ${platform.exitCode} while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

export async function startPlatform(extraEnv: Record<string, string> = {}): Promise<RunningPlatform> {
  if (!fs.existsSync(path.join(distDir, 'index.html')))
    throw new Error('ui/dist/index.html is missing: run `npm run build -w ui` first.');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = path.join(dataDir, 'platform.log');
  const log = fs.openSync(logPath, 'a');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DEMO_DATA: 'true',
    HOLD_MINUTES: '30',
    PUBLIC_BASE_URL: baseUrl,
    // the browser signs in over and over from one address
    AUTH_RATE_LIMIT_PER_MINUTE: '0',
    AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE: '0',
    ...extraEnv,
  };
  // all roles in one process on the embedded stores, whatever this shell points at
  for (const name of ['ROLES', 'EVENTSTORE_URL', 'MONGODB_URL', 'KAFKA_BROKERS', 'SMTP_URL', 'S3_BUCKET', 'REDIS_URL'])
    delete env[name];
  const platform = spawn(
    process.execPath,
    [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'ops/platform/main.ts'],
    { cwd: repoRoot, env, stdio: ['ignore', log, log], detached: true },
  );

  const stop = async (options: { keepData?: boolean } = {}) => {
    if (platform.exitCode === null && platform.pid !== undefined) {
      try {
        process.kill(-platform.pid, 'SIGTERM');
      } catch {
        platform.kill('SIGTERM');
      }
      for (let i = 0; i < 40 && platform.exitCode === null; i++) await sleep(100);
      if (platform.exitCode === null) {
        try {
          process.kill(-platform.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    try {
      fs.closeSync(log);
    } catch {
      // closed before
    }
    if (!options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntil('the platform to answer', async () => (await fetch(`${baseUrl}/health`)).ok, 60_000, platform);
    // The demo data is seeded after listen: wait for its offerings and both bookings.
    await waitUntil(
      'the demo data',
      async () => {
        const login = await fetch(`${baseUrl}/api/demo/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'admin-ada' }),
        });
        const { token } = (await login.json()) as { token: string };
        const res = await fetch(`${baseUrl}/api/admin/bookings`, { headers: { authorization: `Bearer ${token}` } });
        const offerings = (await (await fetch(`${baseUrl}/api/offerings`)).json()) as { total: number };
        return res.ok && ((await res.json()) as { total: number }).total >= 2 && offerings.total >= 6;
      },
      60_000,
      platform,
    );
    const index = await fetch(`${baseUrl}/`);
    if (!(await index.text()).includes('id="app"')) throw new Error('the platform does not serve ui/dist at /');
  } catch (err) {
    await stop({ keepData: true });
    throw new Error(`${err instanceof Error ? err.message : String(err)} (log: ${logPath})`);
  }
  return { baseUrl, dataDir, logPath, stop };
}
