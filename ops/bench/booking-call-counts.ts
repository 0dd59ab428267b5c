/**
 * What one place-booking costs the platform's ports: books at one connection for a few
 * seconds and prints, per booking, the document-store and event-store calls (from the
 * /metrics histograms' counts, by operation and collection) and the server CPU.
 *
 *   ROLES=command,read-api,projector npx tsx ops/bench/booking-call-counts.ts [seconds=5] [connections=1]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnPlatform, stopChild, waitUp } from './bench-processes.js';
import { benchPlaceBooking } from './http.bench.js';

const [secondsArg, connectionsArg] = process.argv.slice(2);

/** `name{labels} value` of every histogram `_count` series */
async function counts(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+_count)(\{[^}]*\})? ([\d.e+]+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
    const c = /^(\w+_total)(\{[^}]*\})? ([\d.e+]+)$/.exec(line);
    if (c) out.set(`${c[1]}${c[2] ?? ''}`, Number(c[3]));
  }
  return out;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-counts-'));
const port = await freePort();
const platform = spawnPlatform(dataDir, port, {
  entry: 'bundle',
  quiet: true,
  env: process.env.ROLES ? { ROLES: process.env.ROLES } : {},
});
try {
  await waitUp(`http://127.0.0.1:${port}/health`, platform);
  // warm up (first bookings load modules and collections)
  await benchPlaceBooking(port, [1], 1);
  const before = await counts(port);
  const [load] = await benchPlaceBooking(port, [Number(connectionsArg ?? 1)], Number(secondsArg ?? 5), platform.pid);
  // let the flushes and checkpoint timers that follow the last booking run
  await new Promise((r) => setTimeout(r, 300));
  const after = await counts(port);
  const bookings = load!.requestsPerSec * Number(secondsArg ?? 5) || 1;
  const rows = [...after]
    .map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / bookings] as const)
    .filter(([, v]) => v >= 0.01)
    .sort((a, b) => a[0].localeCompare(b[0]));
  console.log(
    JSON.stringify(
      { load, perBooking: Object.fromEntries(rows.map(([k, v]) => [k, Math.round(v * 100) / 100])) },
      null,
      1,
    ),
  );
} finally {
  await stopChild(platform);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
