/**
 * Browser end-to-end run of the SPA: starts the platform (all roles, embedded stores, demo
 * data) on a free port with a throwaway DATA_DIR, serving the already-built `ui/dist`, then
 * drives headless Chromium through the flows in `spa.e2e.ts`.
 *
 *   npm run build -w ui && npm run test:e2e -w ui
 *
 * Builds nothing itself. Screenshots go to /tmp/ui-shots (or E2E_SHOTS_DIR).
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium), E2E_KEEP_DATA=1 keeps the data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFlows } from './spa.e2e';

const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(uiDir, '..');
const distDir = path.join(uiDir, 'dist');
const shotsDir = process.env.E2E_SHOTS_DIR ?? '/tmp/ui-shots';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    console.error(`ui/dist/index.html is missing: run \`npm run build -w ui\` first.`);
    return 2;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = path.join(dataDir, 'platform.log');
  const log = fs.openSync(logPath, 'a');

  // `npm start`'s entry point, exactly: it seeds the demo data through the command API.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DEMO_DATA: 'true',
    HOLD_MINUTES: '30',
  };
  // all roles in one process on the embedded stores, whatever this shell points at
  for (const name of ['ROLES', 'EVENTSTORE_URL', 'MONGODB_URL']) delete env[name];
  const platform = spawn(
    process.execPath,
    [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'ops/platform/main.ts'],
    {
      cwd: repoRoot,
      env,
      stdio: ['ignore', log, log],
      detached: true,
    },
  );

  const stopPlatform = async () => {
    if (platform.exitCode !== null || platform.pid === undefined) return;
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
  };
  process.on('SIGINT', () => void stopPlatform().then(() => process.exit(130)));

  let ok = false;
  try {
    console.log(`platform: ${baseUrl} (data ${dataDir}, log ${logPath})`);
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

    fs.mkdirSync(shotsDir, { recursive: true });
    const results = await runFlows({
      baseUrl,
      shotsDir,
      chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    });
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    console.log('');
    for (const r of results) console.log(`${r.ok ? '✓' : '✗'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n    ${r.error}`}`);
    console.log(`\nscreenshots: ${shotsDir}`);
    console.log(`${passed} passed, ${failed} failed`);
    ok = failed === 0;
    return ok ? 0 : 1;
  } finally {
    await stopPlatform();
    fs.closeSync(log);
    if (ok && !process.env.E2E_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
    else console.log(`platform data and log kept in ${dataDir}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
