/**
 * The embedded document store's write and read path in process: µs per `upsertAt` for the
 * updates the projectors write most (a funnel counter, a booking status change, a new
 * booking) on collections of 10,000 documents, and µs per `get` of a booking document;
 * CPU time, next to the floor of awaiting an async call that does nothing.
 *
 *   npx tsx ops/bench/document-store.bench.ts      # alone
 *   npm run bench -- document-store                # as a section of the suite
 */
import { pathToFileURL } from 'node:url';
import type { Doc, DocumentStore, Update } from '@booking/shared-kernel';
import { EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import { round } from './stats.js';

const DOCS = 10_000;
const pos = (n: number) => n.toString().padStart(20, '0');

function bookingSet(i: number, at: string): Record<string, unknown> {
  return {
    customerId: `customer-${i % 500}`,
    providerId: `provider-${i % 50}`,
    offeringId: `offering-${i % 200}`,
    offeringTitle: 'Sunset kayak tour',
    kind: 'service',
    quantity: 2,
    slot: { start: '2030-06-01T18:00:00.000Z', end: '2030-06-01T20:00:00.000Z' },
    total: { amount: 9000, currency: 'EUR' },
    status: 'PENDING',
    holdExpiresAt: '2030-05-01T10:15:00.000Z',
    attribution: { utmSource: 'newsletter', utmMedium: 'email', utmCampaign: 'spring' },
    placedAt: at,
    updatedAt: at,
    timeline: [{ status: 'PENDING', at, by: { id: `customer-${i % 500}`, role: 'customer' } }],
  };
}

/** the analytics funnel's $inc on a cohort document of ~20 fields */
function funnelUpdate(i: number): Update {
  return {
    $inc: { placed: 1, 'status.PENDING': 1, leadTimeMinutesSum: 30 + (i % 7), leadTimeCount: 1 },
    $setOnInsert: { day: '2030-05-01', dim: 'offering', key: `offering-${i}`, providerId: 'p', category: 'tours' },
  };
}

/** a booking status change: two $set fields and a timeline entry */
function statusUpdate(i: number, at: string): Update {
  return {
    $set: { status: i % 2 ? 'CONFIRMED' : 'CANCELLED', updatedAt: at },
    $push: { timeline: { status: 'CONFIRMED', at, by: { id: 'system', role: 'system' } } },
  };
}

/** CPU µs per call (this process, GC threads included): unlike wall time, it holds on a
 *  machine shared with other work. */
async function timeOps(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  // warm-up, so the JIT has compiled the path being measured
  for (let i = 0; i < Math.min(2_000, count); i++) await op(i);
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) await op(i);
  const used = process.cpuUsage(start);
  return round((used.user + used.system) / count, 2);
}

/** `open`: the store to measure (another implementation, to compare it in the same run) */
export async function benchDocumentStore(
  ops = 100_000,
  open: () => DocumentStore = () => new EmbeddedDocumentStore({ path: ':memory:' }),
): Promise<Record<string, unknown>> {
  const store = open();
  try {
    const at = '2030-05-01T10:00:00.000Z';
    const funnel = store.collection<Doc>('funnel');
    const bookings = store.collection<Doc>('bookings');
    for (let i = 0; i < DOCS; i++) {
      await funnel.upsertAt(
        `f${i}`,
        {
          $inc: { placed: 1, paid: 0, confirmed: 0, completed: 0, cancelled: 0, expired: 0, noShow: 0, refunds: 0 },
          $set: { status: { PENDING: 1 }, leadTimeMinutesSum: 0, leadTimeCount: 0 },
          $setOnInsert: { day: '2030-05-01', dim: 'offering', key: `offering-${i}`, providerId: 'p', category: 'c' },
        },
        pos(1),
      );
      await bookings.upsertAt(`b${i}`, { $set: bookingSet(i, at), $setOnInsert: { payment: null } }, pos(1));
    }
    // the floor: awaiting an async call that does nothing
    const noop = async (_i: number) => true;
    const awaitUs = await timeOps(ops, (i) => noop(i));
    let p = 2;
    const funnelUs = await timeOps(ops, (i) => funnel.upsertAt(`f${i % DOCS}`, funnelUpdate(i), pos(p++)));
    // the timeline grows by one entry per write: each booking gets ~10 over the run
    const statusUs = await timeOps(ops, (i) => bookings.upsertAt(`b${i % DOCS}`, statusUpdate(i, at), pos(p++)));
    const fresh = store.collection<Doc>('bookings_new');
    const insertUs = await timeOps(ops, (i) =>
      fresh.upsertAt(`n${i}`, { $set: bookingSet(i, at), $setOnInsert: { payment: null } }, pos(p++)),
    );
    const getUs = await timeOps(ops, (i) => bookings.get(`b${i % DOCS}`));
    // a scan of the 10,000 bookings returning the 20 of one customer (mingo's query + copies)
    const findUs = await timeOps(500, (i) => bookings.find({ customerId: `customer-${i % 500}` }));
    // nothing to persist: close() then has nothing to write
    for (const c of [funnel, bookings, fresh]) await c.drop();
    return {
      docsPerCollection: DOCS,
      ops,
      awaitAsyncNoopUs: awaitUs,
      upsertFunnelIncUs: funnelUs,
      upsertBookingStatusUs: statusUs,
      upsertNewBookingUs: insertUs,
      getBookingUs: getUs,
      find20Of10kUs: findUs,
    };
  } finally {
    await store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchDocumentStore(), null, 2));
}
