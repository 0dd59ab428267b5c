/**
 * What the projector and reactor roles cost per live booking, in-process and without HTTP:
 * records the events of real place-bookings once (command role), then appends them again,
 * commit by commit as the command wrote them, to a platform with only the roles under test
 * and waits for its read models after each group of bookings. Prints the process CPU per
 * booking over the replay (appends included: compare against ROLES=command).
 *
 *   npx tsx ops/bench/projection-live.bench.ts [bookings=1500] [perWait=1] [roles=command|projector|projector,reactor]
 *
 * perWait=1 is the 1-connection case (the read models catch up after every booking); a
 * larger group (e.g. 32) is what many connections produce between two flushes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  eventCatalogue,
  loadConfig,
  parsePosition,
  withLogContext,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
} from '@booking/shared-kernel';
import { createPlatform } from '../platform/platform.js';
import { benchTokens, createBenchOffering } from './bench-processes.js';

interface Commit {
  streamId: string;
  events: NewEvent[];
}

const env = (dataDir: string, roles: string) => ({
  NODE_ENV: 'test',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  DEMO_DATA: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  ROLES: roles,
});

/** The commits `bookings` place-bookings wrote (after the offering's own events). */
async function recordBookings(bookings: number): Promise<{ setup: Commit[]; bookings: Commit[][] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'projection-live-record-'));
  const platform = await createPlatform(loadConfig(env(dataDir, 'command,read-api')));
  try {
    const { port } = await platform.listen(0, '127.0.0.1');
    const { provider, customer } = benchTokens();
    const offeringId = await createBenchOffering(port, provider);
    const before = await platform.eventStore.headPosition();
    for (let i = 0; i < bookings; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
        body: JSON.stringify({ offeringId, quantity: 1 }),
      });
      if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
    const all = await platform.eventStore.readAll();
    const commits: { commit: bigint; recorded: RecordedEvent[] }[] = [];
    for (const e of all) {
      const last = commits[commits.length - 1];
      if (last?.commit === e.position.commit) last.recorded.push(e);
      else commits.push({ commit: e.position.commit, recorded: [e] });
    }
    const toCommit = (c: { recorded: RecordedEvent[] }): Commit => ({
      streamId: c.recorded[0]!.streamId,
      events: c.recorded.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })),
    });
    const setup = commits.filter((c) => c.commit <= before.commit).map(toCommit);
    const rest = commits.filter((c) => c.commit > before.commit).map(toCommit);
    if (rest.length !== bookings * 2) throw new Error(`expected 2 commits a booking, found ${rest.length}`);
    const grouped: Commit[][] = [];
    for (let i = 0; i < rest.length; i += 2) grouped.push(rest.slice(i, i + 2));
    return { setup, bookings: grouped };
  } finally {
    await platform.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function replay(recorded: Awaited<ReturnType<typeof recordBookings>>, roles: string, perWait: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'projection-live-'));
  const platform = await createPlatform(loadConfig(env(dataDir, roles)));
  await platform.projections?.start();
  await platform.reactors?.start();
  // how often the read models are flushed and checkpoints saved (all runners together)
  const calls = { flushes: 0, checkpointSaves: 0 };
  const docs = platform.documentStore;
  const flush = docs.flush.bind(docs);
  const saveCheckpoint = docs.saveCheckpoint.bind(docs);
  docs.flush = () => (calls.flushes++, flush());
  docs.saveCheckpoint = (name, position) => (calls.checkpointSaves++, saveCheckpoint(name, position));
  try {
    const store = platform.eventStore;
    const append = (c: Commit) => {
      // as the command runtime does before an append (its verdict is remembered for the decodes)
      for (const e of c.events) eventCatalogue.problemsBeforeAppend(e.type, e.data, e.metadata.eventId);
      return store.append(c.streamId, c.events, 'any');
    };
    const settle = async (at: GlobalPosition) => {
      if (platform.projections && !(await platform.projections.waitFor(at, 10_000))) throw new Error('no catch-up');
    };
    // the platform's requests run with a log context: the async hooks it enables are paid here too
    return await withLogContext({ correlationId: 'bench' }, async () => {
      for (const c of recorded.setup) await append(c);
      const warm = Math.min(200, Math.floor(recorded.bookings.length / 4));
      let last = (await store.headPosition()) as GlobalPosition;
      let i = 0;
      const run = async (until: number) => {
        while (i < until) {
          for (const booking of recorded.bookings.slice(i, Math.min(until, i + perWait)))
            for (const c of booking) last = (await append(c)).position;
          i = Math.min(until, i + perWait);
          await settle(last);
        }
      };
      await run(warm);
      const cpu = process.cpuUsage();
      const wall = performance.now();
      calls.flushes = calls.checkpointSaves = 0;
      await run(recorded.bookings.length);
      const used = process.cpuUsage(cpu);
      const measured = recorded.bookings.length - warm;
      return {
        roles,
        perWait,
        bookings: measured,
        cpuUsPerBooking: Math.round((used.user + used.system) / measured),
        wallUsPerBooking: Math.round(((performance.now() - wall) * 1000) / measured),
        flushesPerBooking: Math.round((calls.flushes / measured) * 100) / 100,
        checkpointSavesPerBooking: Math.round((calls.checkpointSaves / measured) * 100) / 100,
        head: parsePosition(String(last.commit)).commit.toString(),
      };
    });
  } finally {
    await platform.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const [bookingsArg, perWaitArg, rolesArg] = process.argv.slice(2);
// PROJECTION_LIVE_EVENTS=<file>: the recorded events are kept there and reused (A/B runs of
// two trees replay the same bookings)
const keep = process.env.PROJECTION_LIVE_EVENTS;
const recorded: Awaited<ReturnType<typeof recordBookings>> =
  keep && fs.existsSync(keep)
    ? JSON.parse(fs.readFileSync(keep, 'utf8'))
    : await recordBookings(Number(bookingsArg ?? 1500));
if (keep && !fs.existsSync(keep)) fs.writeFileSync(keep, JSON.stringify(recorded));
const results = [];
for (const roles of (rolesArg ?? 'command|projector|projector,reactor').split('|'))
  results.push(await replay(recorded, roles, Number(perWaitArg ?? 1)));
console.log(JSON.stringify(results, null, 1));
process.exit(0);
