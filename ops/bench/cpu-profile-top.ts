/**
 * The functions a V8 CPU profile (`node --cpu-prof`) spent its time in: self time (the
 * function's own code) and total time (with what it called), as JSON.
 *
 *   npx tsx ops/bench/cpu-profile-top.ts <file.cpuprofile> [top=15] [fromSeconds=0]
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './bench-processes.js';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const where = (n: ProfileNode) => {
  const url = n.callFrame.url.replace('file://', '');
  const short = url.startsWith(ROOT) ? path.relative(ROOT, url) : url;
  return `${n.callFrame.functionName || '(anonymous)'} ${short ? `${short}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};

/** The main thread's profile in a `--cpu-prof-dir`: the first one node writes (…0.001.cpuprofile). */
export function readMainProfile(dir: string): { file: string; profile: CpuProfile } {
  const main = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()[0];
  if (!main) throw new Error(`no profile was written to ${dir}`);
  const file = path.join(dir, main);
  return { file, profile: JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile };
}

/** `fromSeconds`: count only the samples taken that long after the profile started (e.g.
 *  after the process was ready, to leave module loading out). */
export function topFunctions(profile: CpuProfile, top = 15, fromSeconds = 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // microseconds per node from the samples' time deltas (hitCount alone ignores idle gaps)
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  const from = profile.startTime + fromSeconds * 1e6;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < from) continue;
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const totalUs = new Map<number, number>();
  const total = (id: number): number => {
    const cached = totalUs.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    const t = (selfUs.get(id) ?? 0) + (n.children ?? []).reduce((a, c) => a + total(c), 0);
    totalUs.set(id, t);
    return t;
  };
  const root = profile.nodes[0]!;
  const all = total(root.id);
  const idleUs = profile.nodes
    .filter((n) => n.callFrame.functionName === '(idle)')
    .reduce((a, n) => a + (selfUs.get(n.id) ?? 0), 0);
  // the same function appears under many call paths: sum them (total: without double
  // counting recursion only approximately, which is fine for a ranking)
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  // the loader's and node's own frames sit above everything: left out of the total ranking
  const wrapper = (n: ProfileNode) =>
    ['(root)', '(program)', '(idle)', '(garbage collector)'].includes(n.callFrame.functionName) ||
    n.callFrame.url.includes('node_modules/tsx/') ||
    n.callFrame.url.startsWith('node:internal');
  for (const n of profile.nodes) {
    const key = where(n);
    if (n.callFrame.functionName !== '(idle)') self.set(key, (self.get(key) ?? 0) + (selfUs.get(n.id) ?? 0));
    if (!wrapper(n)) incl.set(key, (incl.get(key) ?? 0) + total(n.id));
  }
  const busy = all - idleUs;
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pctOfBusy: Math.round((us / busy) * 1000) / 10 }));
  return {
    seconds: Math.round((profile.endTime - profile.startTime) / 1e4) / 100,
    fromSeconds,
    busyMs: Math.round(busy / 1000),
    busyPct: Math.round((busy / all) * 1000) / 10,
    topSelf: rank(self),
    topTotal: rank(incl),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top, from] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-top.ts <file.cpuprofile> [top] [fromSeconds]');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  console.log(JSON.stringify(topFunctions(profile, Number(top ?? 15), Number(from ?? 0)), null, 2));
}
