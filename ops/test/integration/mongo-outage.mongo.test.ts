/**
 * Fault test: FerretDB (the MongoDB read-model store) stops while the projector is
 * working through a burst of bookings (each booked and paid with the sandbox card) and
 * starts again a few seconds later. Commands keep working (they only append to the
 * embedded event store); the projection runner fails, backs off and resumes from its last
 * checkpoint, and the reactors (whose checkpoints live in the same store) resubscribe.
 * Afterwards every booking is in `bookings` exactly once, CONFIRMED, with a PENDING ->
 * CONFIRMED timeline; the offering's capacity counters equal the confirmed units; and
 * every reactor effect (BookingConfirmed, ReceiptIssued, ...) happened exactly once.
 *
 * Stops and starts the server with ops/infra/{down,up}.sh ferretdb, so it needs
 * MONGODB_URL as set by the integration tier (ops/infra/test-integration.sh), on the
 * FerretDB those scripts run. It always leaves FerretDB running (the tier stops it).
 * MONGO_OUTAGE_LOG_LEVEL=warn (or debug) prints the platform's log, with the MongoDB
 * driver's server and pool events (component "read-model-store").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';

const run = promisify(execFile);
const infra = path.resolve('ops/infra');
const mongodbUrl = process.env.MONGODB_URL;
// 120 by default: FerretDB (SQLite) projects ~5 events/s on a loaded 2-core runner and a
// booking is ~12 events, so 300 bookings take ~11 min to catch up there.
const N = Number(process.env.MONGO_OUTAGE_BOOKINGS ?? 120);
const CATCH_UP_MS = Math.max(300_000, N * 3_000);
const CONCURRENCY = 8;
const OUTAGE_MS = 5000;

async function ferretdb(action: 'up' | 'down'): Promise<number> {
  const t0 = Date.now();
  await run('bash', [path.join(infra, `${action}.sh`), 'ferretdb'], { timeout: 180_000 });
  return Date.now() - t0;
}

/** A short server selection timeout: with the driver's default (30 s) an operation issued
 *  during a 5 s outage just waits for the server to come back, and the projector would
 *  never see the failure this test is about. */
function withShortSelectionTimeout(url: string): string {
  if (/[?&]serverSelectionTimeoutMS=/i.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}serverSelectionTimeoutMS=1500`;
}

// Needs a FerretDB that ops/infra/{up,down}.sh control: skipped unless MONGODB_URL is set
// (ops/infra/test-integration.sh sets it).
describe.skipIf(!mongodbUrl)(`FerretDB stops while ${N} bookings are being projected`, () => {
  const db = `it_mongo_outage_${randomUUID().slice(0, 8)}`;
  let h: Harness | null = null;
  let down = false;

  afterAll(async () => {
    // whatever failed, leave FerretDB running for the rest of the tier
    if (down) await ferretdb('up').catch(() => undefined);
    await h?.stop();
    const client = await MongoClient.connect(mongodbUrl!);
    try {
      await client.db(db).dropDatabase();
    } finally {
      await client.close();
    }
  }, 240_000);

  it(
    'every booking is projected once, CONFIRMED; capacity matches; every reactor effect happened once',
    async () => {
      h = await startHarness({
        env: {
          MONGODB_URL: withShortSelectionTimeout(mongodbUrl!),
          MONGODB_DB: db,
          RATE_LIMIT_PER_MINUTE: '0',
          // e.g. MONGO_OUTAGE_LOG_LEVEL=debug shows the driver's heartbeats, pool and server changes
          ...(process.env.MONGO_OUTAGE_LOG_LEVEL ? { LOG_LEVEL: process.env.MONGO_OUTAGE_LOG_LEVEL } : {}),
        },
      });
      const created = await h.http
        .post('/api/offerings')
        .set(h.auth('provider-kiln-ceramics'))
        .send({
          kind: 'product',
          title: 'Outage mug',
          category: 'ceramics',
          price: { amount: 1500, currency: 'EUR' },
          stock: N + 10,
          publish: true,
        });
      expect(created.status).toBe(201);
      const offeringId = created.body.offeringId as string;

      const projectionErrors = new Set<string>();
      let outage: Promise<{
        downMs: number;
        outageMs: number;
        upMs: number;
        lagAtStop: string;
        resumedAfterUpMs: number | null;
      }> | null = null;
      const startOutage = () =>
        (async () => {
          const lagAtStop = (await h!.platform.projections!.status()).lag;
          const downMs = await ferretdb('down');
          down = true;
          const t = Date.now();
          // watch the runner while the server is away: it must fail, not stall
          while (Date.now() - t < OUTAGE_MS) {
            const s = await h!.platform.projections!.status();
            if (s.lastError) projectionErrors.add(s.lastError);
            await new Promise((r) => setTimeout(r, 100));
          }
          const upMs = await ferretdb('up');
          down = false;
          // how long until the projector applies events again (the catch-up after that
          // goes at FerretDB's pace); the runner's retry backoff is part of it
          const upAt = Date.now();
          const appliedAtUp = (await h!.platform.projections!.status()).applied;
          let resumedAfterUpMs: number | null = null;
          while (resumedAfterUpMs === null && Date.now() - upAt < 120_000) {
            if ((await h!.platform.projections!.status()).applied !== appliedAtUp) resumedAfterUpMs = Date.now() - upAt;
            else await new Promise((r) => setTimeout(r, 50));
          }
          return { downMs, outageMs: Date.now() - t, upMs, lagAtStop, resumedAfterUpMs };
        })();

      const bookingIds: string[] = [];
      const paymentIds: string[] = [];
      const failures: string[] = [];
      let next = 0;
      const t0 = Date.now();
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= N) return;
          // stop the server mid-burst: the projector is behind a stream of new events
          if (i === Math.floor(N * 0.4) && !outage) outage = startOutage();
          const customer = `customer-outage${i % 50}`;
          const booked = await h!.http.post('/api/bookings').set(h!.auth(customer)).send({ offeringId, quantity: 1 });
          if (booked.status !== 201) {
            failures.push(`book ${i}: ${booked.status} ${JSON.stringify(booked.body)}`);
            continue;
          }
          const bookingId = booked.body.bookingId as string;
          bookingIds.push(bookingId);
          const started = await h!.http.post(`/api/bookings/${bookingId}/payment`).set(h!.auth(customer));
          if (started.status >= 300) {
            failures.push(`start payment ${i}: ${started.status} ${JSON.stringify(started.body)}`);
            continue;
          }
          paymentIds.push(started.body.paymentId as string);
          const paid = await h!.http
            .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
            .set(h!.auth(customer))
            .send({ cardNumber: '4242 4242 4242 4242' });
          if (paid.body.status !== 'SUCCEEDED') failures.push(`pay ${i}: ${paid.status} ${JSON.stringify(paid.body)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const burstMs = Date.now() - t0;
      const { downMs, outageMs, upMs, lagAtStop, resumedAfterUpMs } = await outage!;
      const upAt = Date.now();
      expect(failures).toEqual([]);
      expect(bookingIds).toHaveLength(N);
      // the projector did hit the outage (and did not just wait it out)
      expect(projectionErrors.size, 'projection errors seen during the outage').toBeGreaterThan(0);
      expect(resumedAfterUpMs, 'the projector applies events again after the restart').not.toBeNull();

      const bookings = h.platform.documentStore.collection<{
        _id: string;
        status: string;
        offeringId: string;
        timeline: { status: string }[];
      }>('bookings');
      let lastReport = 0;
      await eventually(
        async () => {
          const confirmed = await bookings.count({ offeringId, status: 'CONFIRMED' }).catch(() => -1);
          if (Date.now() - lastReport > 15_000) {
            lastReport = Date.now();
            const s = await h!.platform.projections!.status();
            console.log(
              JSON.stringify({
                sinceUpMs: Date.now() - upAt,
                confirmed,
                projections: { head: s.head, applied: s.applied, lag: s.lag, lastError: s.lastError },
                reactors: h!.platform.reactors!.status(),
              }),
            );
          }
          return confirmed === N;
        },
        CATCH_UP_MS,
        500,
      );
      const confirmedAfterUpMs = Date.now() - upAt;
      await settle(h, CATCH_UP_MS);
      const settledAfterUpMs = Date.now() - upAt;
      const status = await h.platform.projections!.status();
      console.log(
        JSON.stringify({
          bookings: N,
          burstMs,
          projectionLagAtStop: lagAtStop,
          downScriptMs: downMs,
          outageMs,
          upScriptMs: upMs,
          projectorResumedAfterUpMs: resumedAfterUpMs,
          confirmedAfterUpMs,
          settledAfterUpMs,
          projectionErrors: [...projectionErrors].slice(0, 3),
          head: status.head,
        }),
      );
      expect(status.lastError).toBeNull();

      // read model: each booking once, with one PENDING -> CONFIRMED timeline
      const docs = await bookings.find({ offeringId });
      expect(docs).toHaveLength(N);
      expect(new Set(docs.map((d) => d._id))).toEqual(new Set(bookingIds));
      const badTimelines = docs.filter((d) => d.timeline.map((t) => t.status).join('>') !== 'PENDING>CONFIRMED');
      expect(badTimelines.map((d) => [d._id, d.timeline.map((t) => t.status)])).toEqual([]);

      // capacity counters: every unit confirmed, none held, stock reduced by exactly N
      const offering = await h.platform.documentStore
        .collection<{ _id: string; stock: number; held: number; sold: number }>('offerings')
        .get(offeringId);
      expect({ stock: offering?.stock, held: offering?.held, sold: offering?.sold }).toEqual({
        stock: 10,
        held: 0,
        sold: N,
      });
      const capacity = await h.platform.documentStore
        .collection<{ _id: string; kind: string; held: number; confirmed: number }>('capacity')
        .find({ offeringId });
      expect(capacity.map((c) => ({ kind: c.kind, held: c.held, confirmed: c.confirmed }))).toEqual([
        { kind: 'inventory', held: 0, confirmed: N },
      ]);
      const holds = h.platform.documentStore.collection<{ _id: string; state: string }>('capacity_holds');
      expect(await holds.count({ offeringId, state: 'confirmed' })).toBe(N);
      expect(await holds.count({ offeringId })).toBe(N);

      // effects: each once per booking / payment, whatever was redelivered around the outage
      const events = await h.platform.eventStore.readAll();
      const ids = new Set(bookingIds);
      const count = (type: string, key: 'bookingId' | 'paymentId' = 'bookingId') => {
        const per = new Map<string, number>();
        for (const e of events) {
          const id = (e.data as Record<string, string | undefined>)[key];
          if (e.type === type && id && (key === 'paymentId' || ids.has(id))) per.set(id, (per.get(id) ?? 0) + 1);
        }
        return per;
      };
      for (const type of [
        'BookingPlaced',
        'CapacityReserved',
        'PaymentSucceeded',
        'CapacityConfirmed',
        'BookingConfirmed',
      ]) {
        const per = count(type);
        expect(per.size, type).toBe(N);
        expect(
          [...per.values()].every((n) => n === 1),
          `${type} exactly once per booking`,
        ).toBe(true);
      }
      expect(count('CapacityReleased').size).toBe(0);
      const receipts = count('ReceiptIssued', 'paymentId');
      expect(new Set(receipts.keys())).toEqual(new Set(paymentIds));
      expect(
        [...receipts.values()].every((n) => n === 1),
        'ReceiptIssued exactly once per payment',
      ).toBe(true);
      const numbers = events
        .filter((e) => e.type === 'ReceiptIssued')
        .map((e) => (e.data as { number: string }).number);
      expect(new Set(numbers).size, 'receipt numbers are unique').toBe(numbers.length);
      const effects = new Map<string, number>();
      for (const e of events) {
        if (!e.metadata.actor.id.startsWith('reactor:')) continue;
        const d = e.data as { channel?: string; template?: string };
        const k = `${e.metadata.actor.id}|${e.type}|${e.streamId}|${e.metadata.causationId}|${d.channel ?? ''}|${d.template ?? ''}`;
        effects.set(k, (effects.get(k) ?? 0) + 1);
      }
      expect([...effects].filter(([, n]) => n > 1)).toEqual([]);
      expect(h.platform.reactors!.status().deadLetters).toBe(0);
      expect(await h.platform.documentStore.collection('reactor_dead_letters').count()).toBe(0);
    },
    2 * CATCH_UP_MS + 120_000,
  );
});
