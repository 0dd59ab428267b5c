/**
 * `npm run bench`: every default benchmark in one run, printed as one JSON document and
 * saved to bench-results/latest.json. Each figure stands next to its reference from the
 * same run.
 *
 *   npm run bench                           # event-store, document-store, peers, http, projection, lag
 *   npm run bench -- peers http             # only the named sections
 *   npm run bench -- projection-mongo       # rebuild into MONGODB_URL's server (not in the default run)
 *   npm run bench -- --scale                # cost growth at 10k, 100k, 1m events (long)
 *   npm run bench -- --scale=10k,100k       # chosen sizes; or BENCH_SCALE=10k,100k
 *
 * A partial run is saved to bench-results/latest-<sections>.json (a scale run alone to
 * latest-scale.json), so it does not replace the full run's file. BENCH_CPU_PROF=<dir>
 * makes the scale run's platform write CPU profiles there (summarise one with
 * `tsx ops/bench/cpu-profile-top.ts <file>`); BENCH_HTTP_SECONDS=<n> shortens the scale
 * run's autocannon runs (default 5 s a level); BENCH_READY_TIMEOUT_MS=<n> caps the wait
 * for /ready (then the run records why and carries on).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDocumentStore } from './document-store.bench.js';
import { benchEventStore } from './event-store.bench.js';
import { benchHttp } from './http.bench.js';
import { benchPeers } from './peers.bench.js';
import { benchLag, benchProjection } from './projection.bench.js';
import { benchProjectionMongo } from './projection-mongo.bench.js';
import { benchScale, defaultScaleOptions, parseSizes } from './scale.bench.js';

const args = process.argv.slice(2);
const scaleArg = args.find((a) => a === '--scale' || a.startsWith('--scale='));
const scaleSpec = scaleArg?.includes('=') ? scaleArg.slice('--scale='.length) : process.env.BENCH_SCALE;
const scaleSizes = scaleArg || scaleSpec ? (scaleSpec ? parseSizes(scaleSpec) : defaultScaleOptions.sizes) : null;
const only = args.filter((a) => !a.startsWith('--'));
// with --scale and no section named, only the scale run
const want = (name: string) => (only.length === 0 ? scaleSizes === null : only.includes(name));

const result: Record<string, unknown> = {
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  },
  startedAt: new Date().toISOString(),
};
if (want('event-store')) result.eventStore = await benchEventStore();
if (want('document-store')) result.documentStore = await benchDocumentStore();
if (want('peers')) result.peers = await benchPeers();
if (want('http')) result.http = await benchHttp();
if (want('projection')) result.projection = await benchProjection();
if (want('lag')) result.lag = await benchLag();
// needs a server: only when named
if (only.includes('projection-mongo')) result.projectionMongo = await benchProjectionMongo();
if (scaleSizes) {
  result.scale = await benchScale({
    ...defaultScaleOptions,
    sizes: scaleSizes,
    ...(process.env.BENCH_HTTP_SECONDS ? { httpSeconds: Number(process.env.BENCH_HTTP_SECONDS) } : {}),
    ...(process.env.BENCH_READY_TIMEOUT_MS ? { readyTimeoutMs: Number(process.env.BENCH_READY_TIMEOUT_MS) } : {}),
    ...(process.env.BENCH_CPU_PROF ? { cpuProfDir: path.resolve(process.env.BENCH_CPU_PROF) } : {}),
  });
}
result.finishedAt = new Date().toISOString();
(result.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);

const json = JSON.stringify(result, null, 2);
// a partial run does not replace the full run's file
const sections = [...only, ...(scaleSizes ? ['scale'] : [])];
const file = sections.length === 0 ? 'latest.json' : `latest-${sections.join('-')}.json`;
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(path.join('bench-results', file), json);
console.log(json);
