/**
 * The first seconds after a restart on a large history (issue #10: nothing on the command
 * path grows with history size): the schedulers' first ticks read their due items (holds,
 * payments, reminders) right after /ready. Starts the all-in-one platform once on
 * `dataDir` (copy a prepared folder first: the start changes it) and, from /ready on for
 * `seconds`, samples the process's CPU time and RSS every 250 ms; with `--book` it also
 * places bookings one after another (1 connection) on a product it creates, and reports
 * their latencies per second since /ready.
 *
 *   cp -r /tmp/restart/d1m /tmp/x && npx tsx ops/bench/due-reads-restart.bench.ts /tmp/x [--seconds=10] [--book]
 *     [--entry=bundle|tsx] [--root=<another tree, run with tsx>] [--delay=<seconds after /ready before the window>]
 *     [--prof=<dir for a CPU profile>]
 */
import {
  benchTokens,
  cpuTimeMs,
  createBenchOffering,
  freePort,
  rssMb,
  spawnPlatform,
  stopChild,
  waitUp,
} from './bench-processes.js';
import type { PlatformEntry } from './bench-processes.js';
import { round } from './stats.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const dataDir = args.find((a) => !a.startsWith('--'));
if (!dataDir) {
  console.error(
    'usage: due-reads-restart.bench.ts <dataDir> [--seconds=10] [--book] [--entry=bundle|tsx] [--root=<tree>]',
  );
  process.exit(2);
}
const seconds = Number(flag('seconds') ?? 10);
const book = args.includes('--book');
const root = flag('root');
const entry = flag('entry') as PlatformEntry | undefined;
/** seconds to wait after /ready before the window starts (the steady state to compare with) */
const delay = Number(flag('delay') ?? 0);
/** a directory for a CPU profile of the platform (summarise with cpu-profile-top.ts) */
const profileDir = flag('prof');

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null;

const port = await freePort();
const started = performance.now();
const child = spawnPlatform(dataDir, port, {
  root,
  entry,
  quiet: true,
  nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
});
try {
  await waitUp(`http://127.0.0.1:${port}/ready`, child, 120_000);
  const readyMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, delay * 1000));
  const readyAt = performance.now();
  const cpuAtReady = cpuTimeMs(child.pid)!;
  const rssAtReady = rssMb(child.pid);
  const samples: { t: number; cpuMs: number; rssMb: number | null }[] = [];
  const sampler = setInterval(() => {
    samples.push({
      t: performance.now() - readyAt,
      cpuMs: cpuTimeMs(child.pid)! - cpuAtReady,
      rssMb: rssMb(child.pid),
    });
  }, 250);
  const bookings: { t: number; ms: number }[] = [];
  if (book) {
    const { provider, customer } = benchTokens();
    const offeringId = await createBenchOffering(port, provider);
    const body = JSON.stringify({ offeringId, quantity: 1 });
    while (performance.now() - readyAt < seconds * 1000) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`place booking answered ${res.status}`);
      bookings.push({ t: t0 - readyAt, ms: performance.now() - t0 });
    }
  } else {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
  clearInterval(sampler);
  const last = samples[samples.length - 1]!;
  /** CPU ms per second since /ready */
  const cpuPerSecond: number[] = [];
  for (let s = 1; s <= seconds; s++) {
    const at = (ms: number) => [...samples].reverse().find((x) => x.t <= ms)?.cpuMs ?? 0;
    cpuPerSecond.push(Math.round(at(s * 1000) - at((s - 1) * 1000)));
  }
  const all = bookings.map((b) => b.ms).sort((a, b) => a - b);
  const perSecond = Array.from({ length: seconds }, (_, s) => {
    const inSecond = bookings
      .filter((b) => b.t >= s * 1000 && b.t < (s + 1) * 1000)
      .map((b) => b.ms)
      .sort((a, b) => a - b);
    return { n: inSecond.length, p50: round(percentile(inSecond, 50) ?? NaN) };
  });
  console.log(
    JSON.stringify(
      {
        dataDir,
        root: root ?? 'this tree',
        readyMs: Math.round(readyMs),
        windowStartsSecondsAfterReady: delay,
        cpuMsAtReady: cpuAtReady,
        rssMbAtReady: rssAtReady,
        windowSeconds: seconds,
        cpuMsInWindow: last.cpuMs,
        rssMbAfterWindow: last.rssMb,
        rssMbMaxInWindow: Math.max(...samples.map((s) => s.rssMb ?? 0)),
        cpuMsPerSecond: cpuPerSecond,
        ...(book
          ? {
              bookings: all.length,
              bookingMs: {
                p50: round(percentile(all, 50)!),
                p90: round(percentile(all, 90)!),
                p99: round(percentile(all, 99)!),
                max: round(all[all.length - 1]!),
              },
              bookingP50PerSecond: perSecond,
            }
          : {}),
      },
      null,
      1,
    ),
  );
} finally {
  await stopChild(child);
}
