/**
 * `npm run bench`: every benchmark in one run, printed as one JSON document and saved to
 * bench-results/latest.json. Each figure stands next to its reference from the same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchEventStore } from './event-store.bench.js';
import { benchHttp } from './http.bench.js';
import { benchLag, benchProjection } from './projection.bench.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

const result: Record<string, unknown> = {
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  },
  startedAt: new Date().toISOString(),
};
if (want('event-store')) result.eventStore = await benchEventStore();
if (want('http')) result.http = await benchHttp();
if (want('projection')) result.projection = await benchProjection();
if (want('lag')) result.lag = await benchLag();
result.finishedAt = new Date().toISOString();

const json = JSON.stringify(result, null, 2);
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(path.join('bench-results', 'latest.json'), json);
console.log(json);
