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
import fs from 'node:fs';
import { startPlatform, type RunningPlatform } from './platform';
import { runFlows } from './spa.e2e';

const shotsDir = process.env.E2E_SHOTS_DIR ?? '/tmp/ui-shots';

async function main(): Promise<number> {
  let platform: RunningPlatform;
  try {
    platform = await startPlatform();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    return 2;
  }
  process.on('SIGINT', () => void platform.stop().then(() => process.exit(130)));
  let ok = false;
  try {
    console.log(`platform: ${platform.baseUrl} (data ${platform.dataDir}, log ${platform.logPath})`);
    fs.mkdirSync(shotsDir, { recursive: true });
    const results = await runFlows({
      baseUrl: platform.baseUrl,
      dataDir: platform.dataDir,
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
    const keepData = !ok || !!process.env.E2E_KEEP_DATA;
    await platform.stop({ keepData });
    if (keepData) console.log(`platform data and log kept in ${platform.dataDir}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
