/**
 * Cold loads of one long inventory stream (a product booked all through its history):
 * the whole stream folded, against a snapshot plus the events after it; then the first
 * booking of that product over HTTP on a freshly started command role, before any snapshot
 * exists and after a restart (when the first start has written one).
 *
 *   npx tsx ops/bench/cold-load.ts [inventoryEvents=100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createCommandRuntime,
  createLogger,
  DEFAULT_JWT_SECRET,
  defaultSnapshotCharsPerEvent,
  defaultSnapshotEvery,
  loadState,
  mintToken,
  newId,
  streams,
  systemClock,
  toNewEvents,
  type CommandContext,
  type DomainEvent,
  type EventStore,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@booking/shared-kernel';
import { SqliteEventStore } from '@booking/shared-kernel/adapters';
import { capacityDecider } from '@booking/command';
import { freePort, spawnPlatform, stopChild, waitUp } from './bench-processes.js';
import { round } from './stats.js';

const inventoryEvents = Number(process.argv[2] ?? 100_000);
const ctx: CommandContext = { actor: { id: 'bench', role: 'system' }, correlationId: newId(), causationId: newId() };

/** A published product whose inventory stream holds `events` events (one stock adjustment, then reserve + confirm pairs). */
async function longInventory(store: EventStore, events: number): Promise<{ offeringId: string; stream: string }> {
  const offeringId = newId();
  const offering: DomainEvent[] = [
    {
      type: 'OfferingCreated',
      data: {
        offeringId,
        providerId: 'provider-bench',
        kind: 'product',
        title: 'Long history',
        description: '',
        category: 'bench',
        price: { amount: 1500, currency: 'EUR' },
      },
    },
    { type: 'OfferingPublished', data: { offeringId } },
  ];
  await store.append(streams.offering(offeringId), toNewEvents(offering, ctx, systemClock), 'no_stream');
  const stream = streams.inventory(offeringId);
  const holdExpiresAt = new Date(Date.now() + 900_000).toISOString();
  let batch: DomainEvent[] = [{ type: 'StockAdjusted', data: { offeringId, delta: 10_000_000, stock: 10_000_000 } }];
  for (let written = 1; written < events;) {
    while (batch.length < 1000 && written + batch.length < events) {
      const bookingId = newId();
      batch.push({ type: 'CapacityReserved', data: { offeringId, bookingId, quantity: 1, holdExpiresAt } });
      if (written + batch.length < events) batch.push({ type: 'CapacityConfirmed', data: { bookingId } });
    }
    await store.append(stream, toNewEvents(batch, ctx, systemClock), 'any');
    written += batch.length;
    batch = [];
  }
  return { offeringId, stream };
}

class CountingStore {
  eventsRead = 0;
  constructor(readonly inner: SqliteEventStore) {}
  asStore(): EventStore {
    return {
      append: (...a) => this.inner.append(...a),
      readStream: async (id: string, o?: ReadStreamOptions): Promise<RecordedEvent[]> => {
        const events = await this.inner.readStream(id, o);
        this.eventsRead += events.length;
        return events;
      },
      readAll: (...a) => this.inner.readAll(...a),
      headPosition: () => this.inner.headPosition(),
      subscribeToAll: (...a) => this.inner.subscribeToAll(...a),
      close: () => this.inner.close(),
    };
  }
}

async function timedLoad(store: SqliteEventStore, stream: string, withSnapshots: boolean) {
  const counting = new CountingStore(store);
  const runtime = createCommandRuntime(
    counting.asStore(),
    systemClock,
    5,
    undefined,
    withSnapshots
      ? {
          store: store.snapshots(),
          every: defaultSnapshotEvery,
          charsPerEvent: defaultSnapshotCharsPerEvent,
          logger: createLogger({ level: 'warn' }),
        }
      : undefined,
  );
  const { snapshot: _codec, ...foldOnly } = capacityDecider;
  const t = performance.now();
  const cpu = process.cpuUsage();
  await loadState(runtime, stream, withSnapshots ? capacityDecider : foldOnly);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // CPU time too: on a shared machine the wall time also counts waiting for a core
  const cpuMs = round((used.user + used.system) / 1000, 1);
  // let a snapshot scheduled by the load reach the store
  await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  return { ms: round(ms, 1), cpuMs, eventsRead: counting.eventsRead };
}

async function coldBooking(dataDir: string, offeringId: string) {
  const port = await freePort();
  const child = spawnPlatform(dataDir, port, { env: { ROLES: 'command' } });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, child, 120_000);
    const token = mintToken(
      { secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET, issuer: 'booking-platform', expiresIn: 3600 },
      { id: 'customer-cold', role: 'customer' },
    );
    const book = async () => {
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ offeringId, quantity: 1 }),
      });
      if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${await res.text()}`);
      return round(performance.now() - t, 1);
    };
    const coldMs = await book();
    const warmMs: number[] = [];
    for (let i = 0; i < 5; i++) warmMs.push(await book());
    // the snapshot is written once the first booking's turn is done
    await new Promise((r) => setTimeout(r, 500));
    return { coldMs, warmMs };
  } finally {
    await stopChild(child);
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cold-load-'));
try {
  const file = path.join(dataDir, 'events.sqlite');
  const store = new SqliteEventStore({ path: file });
  const t = performance.now();
  const { offeringId, stream } = await longInventory(store, inventoryEvents);
  const buildMs = round(performance.now() - t, 0);
  const fullFold = [];
  for (let i = 0; i < 3; i++) fullFold.push(await timedLoad(store, stream, false));
  // the first load with snapshots on folds everything and writes the first snapshot
  const firstWithSnapshots = await timedLoad(store, stream, true);
  const fromSnapshot = [];
  for (let i = 0; i < 3; i++) fromSnapshot.push(await timedLoad(store, stream, true));
  const snapshot = await store.snapshots().load(stream, 'capacity/1');
  // drop it again: the HTTP run starts without one
  await store.close();
  const db = new Database(file);
  db.exec('DELETE FROM snapshots');
  db.close();
  const firstStart = await coldBooking(dataDir, offeringId);
  const restart = await coldBooking(dataDir, offeringId);
  console.log(
    JSON.stringify(
      {
        inventoryEvents,
        buildMs,
        inProcess: {
          fullFold,
          firstWithSnapshots,
          fromSnapshot,
          snapshot: snapshot ? { revision: String(snapshot.revision), chars: snapshot.state.length } : null,
        },
        http: { firstStartNoSnapshot: firstStart, restartWithSnapshot: restart },
      },
      null,
      2,
    ),
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
