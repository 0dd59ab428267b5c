/**
 * The projection section's rebuild and bare read+decode loop on a prepared event log, for
 * profiles and A/B runs (no history append per run, events per CPU second next to wall):
 *
 *   npx tsx ops/bench/projection-profile.ts <dir>     # the first run writes <dir>/events.sqlite (100k events)
 *   PROFILE_REBUILD_ONLY=1 node --cpu-prof --cpu-prof-dir=<out> --import tsx ops/bench/projection-profile.ts <dir>
 *   npx tsx ops/bench/cpu-profile-top.ts <out>/<file>.cpuprofile
 *
 * EMBEDDED_FLUSH_WRITER=off commits every flush on the main thread (A/B of the flush writer).
 * PROFILE_REBUILD_ONLY=1 leaves the decode loop out; KEEP_MODELS=1 keeps the rebuilt
 * read-model file (<dir>/read-models-<pid>.sqlite) to inspect.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { appendHistory } from './fast-history.js';
import { mainThreadCpuSeconds, measureReadDecode, measureRebuild } from './projection.bench.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: projection-profile.ts <dir>');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'events.sqlite');
const prepared = fs.existsSync(file);
const store = new SqliteEventStore({ path: file });
if (!prepared) {
  await appendHistory(store, Math.ceil(100_000 / 6));
}
const cpu0 = process.cpuUsage();
const decode = process.env.PROFILE_REBUILD_ONLY
  ? { events: 0, eventsPerSec: 0, seconds: 0 }
  : await measureReadDecode(store);
const cpu1 = process.cpuUsage(cpu0);
const modelFile = path.join(dir, `read-models-${process.pid}.sqlite`);
const docs = new EmbeddedDocumentStore({ path: modelFile });
const cpu2 = process.cpuUsage();
const main2 = mainThreadCpuSeconds();
const rebuild = await measureRebuild(store, docs);
const cpu3 = process.cpuUsage(cpu2);
const mainCpu = mainThreadCpuSeconds() - main2;
// on a shared machine wall time swings with the load: events per CPU second is steadier
const perCpuSecond = (events: number, c: NodeJS.CpuUsage) => Math.round(events / ((c.user + c.system) / 1e6));
await rebuild.runner.stop();
await docs.close();
await store.close();
if (!process.env.KEEP_MODELS) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(modelFile + suffix, { force: true });
console.log(
  JSON.stringify({
    events: rebuild.events,
    bareReadDecode: { eventsPerSec: decode.eventsPerSec, eventsPerCpuSec: perCpuSecond(decode.events, cpu1) },
    rebuild: {
      eventsPerSec: rebuild.eventsPerSec,
      eventsPerCpuSec: perCpuSecond(rebuild.events, cpu3),
      seconds: rebuild.seconds,
      // the main thread alone (the embedded store's flush writer works on another)
      eventsPerMainThreadCpuSec: Number.isNaN(mainCpu) ? null : Math.round(rebuild.events / mainCpu),
    },
  }),
);
