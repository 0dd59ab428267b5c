/**
 * Projection rebuild of 100,000 events through every projector, next to a bare loop that
 * only reads and decodes the same events; and append -> visible-in-read-model lag under a
 * steady load of booking commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {
  createCommandRuntime,
  createLogger,
  eventCatalogue,
  executeCommand,
  newId,
  streams,
  systemClock,
  START,
  type DocumentStore,
  type EventStore,
  type GlobalPosition,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { allProjectors, ProjectionRunner } from '@booking/projections';
import { bookingDecider, capacityDecider } from '@booking/command';
import { appendHistory } from './fast-history.js';
import { round, summarize } from './stats.js';

const silent = createLogger({ level: 'silent' });

/** Reads the whole log in pages and decodes every event, nothing else: the rebuild's reference. */
export async function measureReadDecode(
  store: EventStore,
): Promise<{ events: number; eventsPerSec: number; seconds: number }> {
  const t0 = performance.now();
  let after: GlobalPosition = START;
  let decoded = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) break;
    for (const e of page) {
      eventCatalogue.decode(e);
      decoded++;
    }
    after = page[page.length - 1]!.position;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { events: decoded, eventsPerSec: Math.round(decoded / seconds), seconds: round(seconds) };
}

/** Every projector from the start of the log into `docs`, until it has applied the head
 *  and flushed. The runner is left running (follow it with steadyLag, then stop it).
 *  (No time cap: during an embedded catch-up the runner never yields to timers.) */
export async function measureRebuild(
  store: EventStore,
  docs: DocumentStore,
): Promise<{ runner: ProjectionRunner; events: number; eventsPerSec: number; seconds: number }> {
  const head = (await store.headPosition()).commit;
  // the embedded store is written by this runner alone (as the platform's)
  const runner = new ProjectionRunner(store, docs, allProjectors, silent, { exclusiveWriter: true });
  const t0 = performance.now();
  await runner.start();
  while (runner.appliedPosition().commit < head) await new Promise((r) => setTimeout(r, 5));
  await runner.flush();
  const seconds = (performance.now() - t0) / 1000;
  return { runner, events: Number(head), eventsPerSec: Math.round(Number(head) / seconds), seconds: round(seconds) };
}

/** CPU seconds of this process's main thread so far (Linux: /proc; NaN elsewhere): the
 *  embedded store's flush writer and GC helpers work on other threads */
export function mainThreadCpuSeconds(): number {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // the fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // (in clock ticks: 100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** user + system CPU seconds of this process since `from` (GC helper threads included) */
function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}

export async function benchProjection(targetEvents = 100_000): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-projection-'));
  try {
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    const t0 = performance.now();
    const events = await appendHistory(store, Math.ceil(targetEvents / 6));
    const appendSeconds = (performance.now() - t0) / 1000;

    // CPU seconds too: on a shared machine wall time swings with the load, CPU time less
    let cpu = process.cpuUsage();
    const decode = await measureReadDecode(store);
    const decodeCpuSeconds = cpuSecondsSince(cpu);
    const docs = new EmbeddedDocumentStore({ path: path.join(dir, 'read-models.sqlite') });
    cpu = process.cpuUsage();
    const main = mainThreadCpuSeconds();
    const rebuild = await measureRebuild(store, docs);
    const rebuildCpuSeconds = cpuSecondsSince(cpu);
    const rebuildMainCpuSeconds = mainThreadCpuSeconds() - main;
    const rssAfterRebuildMb = round(process.memoryUsage().rss / 2 ** 20, 0);
    await rebuild.runner.stop();
    await docs.close();
    await store.close();
    return {
      events,
      historyAppendEventsPerSec: Math.round(events / appendSeconds),
      bareReadDecode: {
        eventsPerSec: decode.eventsPerSec,
        seconds: decode.seconds,
        eventsPerCpuSec: Math.round(decode.events / decodeCpuSeconds),
      },
      rebuild: {
        eventsPerSec: rebuild.eventsPerSec,
        seconds: rebuild.seconds,
        eventsPerCpuSec: Math.round(rebuild.events / rebuildCpuSeconds),
        eventsPerMainThreadCpuSec: Number.isNaN(rebuildMainCpuSeconds)
          ? null
          : Math.round(rebuild.events / rebuildMainCpuSeconds),
        projectors: allProjectors.map((p) => p.name),
      },
      ratioRebuildVsBareDecode: round(decode.seconds / rebuild.seconds),
      rssAfterRebuildMb,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Places bookings at a steady rate through the command runtime and measures how long
 *  until the projection has applied each one (what a read with X-Min-Position waits). */
export async function steadyLag(
  store: EventStore,
  runner: ProjectionRunner,
  ratePerSec = 200,
  seconds = 5,
): Promise<{ ratePerSec: number; seconds: number; count: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  const runtime = createCommandRuntime(store, systemClock);
  const offeringId = newId();
  const ctx = {
    actor: { id: 'customer-bench', role: 'customer' as const },
    correlationId: newId(),
    causationId: newId(),
  };
  await executeCommand(
    runtime,
    streams.inventory(offeringId),
    capacityDecider,
    { type: 'SetStock', offeringId, stock: 10_000_000 },
    ctx,
  );
  const lags: number[] = [];
  const pending: Promise<void>[] = [];
  const total = ratePerSec * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const bookingId = newId();
        const now = new Date();
        const holdExpiresAt = new Date(now.getTime() + 900_000);
        await executeCommand(
          runtime,
          streams.inventory(offeringId),
          capacityDecider,
          { type: 'ReserveCapacity', offeringId, bookingId, quantity: 1, holdExpiresAt, now },
          ctx,
        );
        const total = { amount: 1000, currency: 'EUR' };
        const r = await executeCommand(
          runtime,
          streams.booking(bookingId),
          bookingDecider,
          {
            type: 'PlaceBooking',
            actor: ctx.actor,
            data: {
              bookingId,
              customerId: 'customer-bench',
              providerId: 'provider-bench',
              offeringId,
              offeringTitle: 'Bench',
              kind: 'product',
              quantity: 1,
              capacityStreamId: streams.inventory(offeringId),
              unitPrice: total,
              total,
              holdExpiresAt: holdExpiresAt.toISOString(),
              attribution: {},
            },
          },
          ctx,
        );
        const appended = performance.now();
        await runner.waitFor(r.position!, 10_000);
        lags.push(performance.now() - appended);
      })(),
    );
  }
  await Promise.all(pending);
  return { ratePerSec, seconds, ...summarize(lags) };
}

export async function benchLag(ratePerSec = 200, seconds = 5): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lag-'));
  try {
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    await appendHistory(store, 500);
    const docs = new EmbeddedDocumentStore({ path: path.join(dir, 'read-models.sqlite') });
    const runner = new ProjectionRunner(store, docs, allProjectors, silent, { exclusiveWriter: true });
    await runner.start();
    const lag = await steadyLag(store, runner, ratePerSec, seconds);
    await runner.stop();
    await docs.close();
    await store.close();
    return lag;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
