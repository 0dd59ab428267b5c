/**
 * In-process A/B of where the WAL checkpoints run: SQLite's automatic checkpoint inside the
 * committing call (`inline`, SQLITE_WAL_CHECKPOINT=inline) against the checkpoint worker
 * (`worker`, the default: shared-kernel/src/adapters/sqlite-wal-checkpointer.ts), on the
 * real file-backed stores with a place-booking-shaped write load: per operation one event
 * appended to a hot capacity stream, two to a new booking stream, two read-model documents
 * written and the document store flushed (what the projector does per booking).
 *
 *   npx tsx ops/bench/wal-checkpoint.bench.ts [ops=3000] [concurrency=1,64] [rounds=2]
 *
 * WORKLOAD=single-append: one durable batch-1 append per operation instead.
 *
 * Modes alternate within each round (same disk, same minute). Reported per run: operations
 * per second, latency of one operation p50/p99/max, the largest WAL files seen (sampled every
 * 20 ms) and the checkpointer's counters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedDocumentStore } from '../../shared-kernel/src/adapters/document-store/embedded-document-store.js';
import { SqliteEventStore } from '../../shared-kernel/src/adapters/event-store/sqlite-event-store.js';
import type { SqliteWalCheckpointer } from '../../shared-kernel/src/adapters/sqlite-wal-checkpointer.js';
import { makeEvent } from './event-store.bench.js';
import { percentile, round, summarize } from './stats.js';

const [opsArg, levelsArg, roundsArg] = process.argv.slice(2);
const OPS = Number(opsArg ?? 3000);
const LEVELS = (levelsArg ?? '1,64').split(',').map(Number);
const ROUNDS = Number(roundsArg ?? 2);
/** WORKLOAD=single-append: one event appended per operation, nothing else (the single durable appends) */
const WORKLOAD = process.env.WORKLOAD ?? 'place-booking';
/** the worker starts a second after a store opens: warm up past that */
const WARMUP_MS = 1500;

type Mode = 'inline' | 'worker';

function checkpointerOf(store: object): SqliteWalCheckpointer | undefined {
  return (store as { walCheckpointer?: SqliteWalCheckpointer }).walCheckpointer;
}

async function runOnce(mode: Mode, concurrency: number) {
  if (mode === 'inline') process.env.SQLITE_WAL_CHECKPOINT = 'inline';
  else delete process.env.SQLITE_WAL_CHECKPOINT;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-ab-'));
  const events = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
  const docs = new EmbeddedDocumentStore({ path: path.join(dir, 'read-models.sqlite') });
  const bookings = docs.collection('bookings');
  const capacity = docs.collection('capacity');
  let maxWal = { events: 0, docs: 0 };
  const walSize = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  const sampler = setInterval(() => {
    maxWal = {
      events: Math.max(maxWal.events, walSize(path.join(dir, 'events.sqlite-wal'))),
      docs: Math.max(maxWal.docs, walSize(path.join(dir, 'read-models.sqlite-wal'))),
    };
  }, 20);
  let n = 0;
  const singleAppend = async (): Promise<void> => {
    await events.append('single-bench', [makeEvent(n++)], 'any');
  };
  const placeBooking = async (): Promise<void> => {
    const i = n++;
    const placed = await events.append('capacity-bench', [makeEvent(i)], 'any');
    const booked = await events.append(`booking-${i}`, [makeEvent(i), makeEvent(i + 1)], 'no_stream');
    const position = placed.position.commit.toString().padStart(20, '0');
    await bookings.upsertAt(`b-${i}`, { $set: { status: 'PENDING', seq: i, note: 'x'.repeat(200) } }, position);
    await capacity.upsertAt(
      'capacity-bench',
      { $inc: { held: 1 } },
      booked.position.commit.toString().padStart(20, '0'),
    );
    await docs.flush();
  };
  const op = WORKLOAD === 'single-append' ? singleAppend : placeBooking;
  try {
    const warmEnd = performance.now() + WARMUP_MS;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < warmEnd) await op();
      }),
    );
    maxWal = { events: 0, docs: 0 };
    const latencies: number[] = [];
    let left = OPS;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) {
          const s = performance.now();
          await op();
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sorted = latencies.sort((a, b) => a - b);
    return {
      mode,
      workload: WORKLOAD,
      concurrency,
      opsPerSec: Math.round(OPS / seconds),
      /** CPU of the whole process (every thread) per operation */
      cpuUsPerOp: Math.round((cpu.user + cpu.system) / OPS),
      latency: { ...summarize(latencies), p999Ms: round(percentile(sorted, 99.9)) },
      /** operations slower than 10 ms, per thousand */
      over10MsPerMille: round((sorted.filter((x) => x > 10).length / sorted.length) * 1000, 1),
      maxWalMb: { events: +(maxWal.events / 2 ** 20).toFixed(2), docs: +(maxWal.docs / 2 ** 20).toFixed(2) },
      checkpointer: { events: checkpointerOf(events)?.stats(), docs: checkpointerOf(docs)?.stats() },
    };
  } finally {
    clearInterval(sampler);
    await events.close();
    await docs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (const concurrency of LEVELS) {
    const modes: Mode[] = round % 2 === 0 ? ['inline', 'worker'] : ['worker', 'inline'];
    for (const mode of modes) console.log(JSON.stringify(await runOnce(mode, concurrency)));
  }
}
