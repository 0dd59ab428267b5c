/**
 * What blocks the platform's event loop under 1-connection place-booking load: spawns the
 * all-in-one platform with a fine-grained `--cpu-prof`, books one product, and reads the
 * main thread's samples as a timeline. A task is a run of samples that are not "(idle)"
 * (the loop waiting in epoll); every task longer than the threshold is listed with what
 * its samples were in (the outermost frame of our code and the innermost named function),
 * and the long tasks are grouped by that signature: how many, how long, how often.
 *
 *   npx tsx ops/bench/loop-stalls.ts [seconds=10] [thresholdMs=2] [connections=1]
 *
 * Env: STALLS_ENTRY=bundle|tsx (default bundle, the production entry; tsx names the .ts
 * files), STALLS_PROFILE_US (sampling interval, default 100), ROLES etc. pass through to
 * the platform, STALLS_OUT=<file> keeps the full JSON, STALLS_NODE_ARGS adds node flags
 * (e.g. `--trace-gc`).
 *
 * A sample's time is the interval BEFORE it: a thread blocked in a system call (fsync)
 * takes the profiler's signal only when the call returns, so the gap belongs to the frame
 * the sample then shows (the caller of the blocking call).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import {
  benchTokens,
  cpuTimeMs,
  createBenchOffering,
  freePort,
  spawnPlatform,
  stopChild,
  waitUp,
  type PlatformEntry,
} from './bench-processes.js';
import { readMainProfile, type CpuProfile } from './cpu-profile-top.js';

export interface LongTask {
  /** ms after the measured window began */
  atMs: number;
  ms: number;
  /** what its samples were in, by time: "outermost of ours > innermost named" */
  parts: { what: string; ms: number }[];
}

const OURS = /(shared-kernel|command|projections|read-api|ops)\/(src|platform|dist)\/.*$/;

function describe(url: string, line: number): string {
  const m = OURS.exec(url);
  if (m) return `${m[0]}:${line + 1}`;
  if (url.includes('node_modules/')) return url.split('node_modules/').pop()!.split('/')[0]!;
  return url.replace('file://', '') || '';
}

/** Tasks over `thresholdMs` between the monotonic instants fromUs..toUs (profile clock). */
export function longTasks(profile: CpuProfile, fromUs: number, toUs: number, thresholdMs: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const labels = new Map<number, string>();
  /** outermost frame of our code on the stack, and the innermost named function */
  const label = (id: number): string => {
    const cached = labels.get(id);
    if (cached) return cached;
    const leaf = byId.get(id)!;
    let outer = '';
    let inner = '';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (OURS.test(f.url)) outer = `${f.functionName || '(anonymous)'} ${describe(f.url, f.lineNumber)}`;
      if (!inner && f.functionName && !f.functionName.startsWith('(')) inner = f.functionName;
    }
    const special = leaf.callFrame.functionName.startsWith('(') ? leaf.callFrame.functionName : '';
    const text = `${outer || special || describe(leaf.callFrame.url, 0) || '(native)'} > ${special || inner || '?'}`;
    labels.set(id, text);
    return text;
  };
  const tasks: LongTask[] = [];
  let busyUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  let current: { startUs: number; us: number; parts: Map<string, number> } | undefined;
  const end = () => {
    if (current && current.us >= thresholdMs * 1000) {
      tasks.push({
        atMs: Math.round((current.startUs - fromUs) / 100) / 10,
        ms: Math.round(current.us / 100) / 10,
        parts: [...current.parts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([what, us]) => ({ what, ms: Math.round(us / 100) / 10 })),
      });
    }
    current = undefined;
  };
  const samples = profile.samples ?? [];
  const timeDeltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const delta = timeDeltas[i] ?? 0;
    const before = at;
    at += delta;
    if (at < fromUs || before > toUs) continue;
    const node = byId.get(samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += delta;
      end();
      continue;
    }
    busyUs += delta;
    current ??= { startUs: before, us: 0, parts: new Map() };
    current.us += delta;
    const l = label(node.id);
    current.parts.set(l, (current.parts.get(l) ?? 0) + delta);
  }
  end();
  const windowS = (toUs - fromUs) / 1e6;
  // grouped by the part that took most of the task
  const groups = new Map<string, { count: number; totalMs: number; maxMs: number; ms: number[] }>();
  for (const t of tasks) {
    const key = t.parts[0]!.what;
    const g = groups.get(key) ?? { count: 0, totalMs: 0, maxMs: 0, ms: [] };
    g.count++;
    g.totalMs += t.ms;
    g.maxMs = Math.max(g.maxMs, t.ms);
    g.ms.push(t.ms);
    groups.set(key, g);
  }
  return {
    windowSeconds: Math.round(windowS * 10) / 10,
    busyPct: Math.round((busyUs / (busyUs + idleUs)) * 1000) / 10,
    longTasks: tasks.length,
    longTasksPerSecond: Math.round((tasks.length / windowS) * 10) / 10,
    longTaskMsPerSecond: Math.round((tasks.reduce((a, t) => a + t.ms, 0) / windowS) * 10) / 10,
    byMainPart: [...groups]
      .sort((a, b) => b[1].totalMs - a[1].totalMs)
      .map(([what, g]) => ({
        what,
        count: g.count,
        perSecond: Math.round((g.count / windowS) * 100) / 100,
        maxMs: g.maxMs,
        medianMs: g.ms.sort((a, b) => a - b)[Math.floor(g.ms.length / 2)],
      })),
    tasks,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [secondsArg, thresholdArg, connectionsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg ?? 10);
  const thresholdMs = Number(thresholdArg ?? 2);
  const connections = Number(connectionsArg ?? 1);
  const entry = (process.env.STALLS_ENTRY ?? 'bundle') as PlatformEntry;
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-stalls-prof-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-stalls-data-'));
  const port = await freePort();
  const platform = spawnPlatform(dataDir, port, {
    entry,
    nodeArgs: [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      `--cpu-prof-interval=${process.env.STALLS_PROFILE_US ?? 100}`,
      ...(process.env.STALLS_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, platform);
    const { provider, customer } = benchTokens();
    const offeringId = await createBenchOffering(port, provider);
    const load = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}/api/bookings`,
        method: 'POST',
        connections,
        duration,
        body: JSON.stringify({ offeringId, quantity: 1 }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
      });
    await load(3); // warm-up, not counted
    const cpuBefore = cpuTimeMs(platform.pid);
    // the profile's timestamps are CLOCK_MONOTONIC microseconds, as hrtime's
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const result = await load(seconds);
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const cpuAfter = cpuTimeMs(platform.pid);
    await stopChild(platform);
    const { profile } = readMainProfile(profDir);
    const stalls = longTasks(profile, fromUs, toUs, thresholdMs);
    const out = {
      entry,
      connections,
      thresholdMs,
      load: {
        requestsPerSec: Math.round(result.requests.average),
        p50Ms: result.latency.p50,
        p90Ms: result.latency.p90,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        non2xx: result.non2xx,
        serverCpuUsPerRequest:
          cpuBefore !== null && cpuAfter !== null
            ? Math.round(((cpuAfter - cpuBefore) * 1000) / result.requests.total)
            : undefined,
      },
      ...stalls,
    };
    if (process.env.STALLS_OUT) fs.writeFileSync(process.env.STALLS_OUT, JSON.stringify(out, null, 2));
    console.log(JSON.stringify({ ...out, tasks: out.tasks.slice(0, 40) }, null, 2));
  } finally {
    await stopChild(platform);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profDir, { recursive: true, force: true });
  }
}
