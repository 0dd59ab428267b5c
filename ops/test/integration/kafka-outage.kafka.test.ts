/**
 * Fault test: Kafka stops during a burst of 1,000 bookings (each booked and paid) and
 * starts again. Commands keep working (they only append to the event store); the relay
 * retries from its checkpoint and the reactors' groups resume from their committed
 * offsets. Afterwards every booking is in the read models exactly once and CONFIRMED, and
 * every reactor effect (CapacityConfirmed, BookingConfirmed) happened exactly once.
 *
 * Stops and starts the broker with ops/infra/{down,up}.sh, so it needs KAFKA_BROKERS as set
 * by the integration tier, on the broker those scripts run. The read models stay embedded:
 * the fault is in the bus, and projecting ~10k events into FerretDB under load takes
 * minutes (KAFKA_OUTAGE_MONGO=1 uses MONGODB_URL anyway).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BusReactorRunner } from '@booking/projections';
import { eventually } from '../../test-support/harness.js';
import { dropDatabase, kafkaBrokers, mongodbUrl, startKafkaHarness, type KafkaHarness } from './kafka-support.js';

const run = promisify(execFile);
const infra = path.resolve('ops/infra');
const N = Number(process.env.KAFKA_OUTAGE_BOOKINGS ?? 1000);
const CONCURRENCY = 16;
const useMongo = process.env.KAFKA_OUTAGE_MONGO === '1' && !!mongodbUrl;

async function kafka(action: 'up' | 'down'): Promise<number> {
  const t0 = Date.now();
  await run('bash', [path.join(infra, `${action}.sh`), 'kafka'], { timeout: 180_000 });
  return Date.now() - t0;
}

describe.skipIf(!kafkaBrokers)(`Kafka stops during a burst of ${N} bookings`, () => {
  let h: KafkaHarness | null = null;
  afterAll(async () => {
    await h?.stop();
    if (h && useMongo) await dropDatabase(h.namespace);
  });

  it('every booking is in the read models once, CONFIRMED; every reactor effect happened once', async () => {
    h = await startKafkaHarness({}, { mongo: useMongo });
    await (h.platform.reactors as BusReactorRunner).ready();
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-kiln-ceramics'))
      .send({
        kind: 'product',
        title: 'Burst mug',
        category: 'ceramics',
        price: { amount: 1500, currency: 'EUR' },
        stock: N + 10,
        publish: true,
      });
    expect(created.status).toBe(201);
    const offeringId = created.body.offeringId as string;

    const bookingIds: string[] = [];
    const failures: string[] = [];
    let next = 0;
    let outage: Promise<{ downMs: number; upMs: number }> | null = null;
    const t0 = Date.now();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        if (i === Math.floor(N * 0.3) && !outage) {
          // stop the broker mid-burst; keep it down a few seconds, then start it again
          outage = (async () => {
            const downMs = await kafka('down');
            await new Promise((r) => setTimeout(r, 3000));
            const upMs = await kafka('up');
            return { downMs, upMs };
          })();
        }
        const customer = `customer-burst${i % 50}`;
        const booked = await h!.http.post('/api/bookings').set(h!.auth(customer)).send({ offeringId, quantity: 1 });
        if (booked.status !== 201) {
          failures.push(`book ${i}: ${booked.status} ${JSON.stringify(booked.body)}`);
          continue;
        }
        const bookingId = booked.body.bookingId as string;
        bookingIds.push(bookingId);
        const started = await h!.http.post(`/api/bookings/${bookingId}/payment`).set(h!.auth(customer));
        const paid = await h!.http
          .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
          .set(h!.auth(customer))
          .send({ cardNumber: '4242 4242 4242 4242' });
        if (paid.body.status !== 'SUCCEEDED') failures.push(`pay ${i}: ${paid.status} ${JSON.stringify(paid.body)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const burstMs = Date.now() - t0;
    const { downMs, upMs } = await outage!;
    expect(failures).toEqual([]);
    expect(bookingIds).toHaveLength(N);

    const bookings = h.platform.documentStore.collection<{
      _id: string;
      status: string;
      offeringId: string;
      timeline: { status: string }[];
    }>('bookings');
    await eventually(async () => (await bookings.count({ offeringId, status: 'CONFIRMED' })) === N, 240_000, 500);
    const settledMs = Date.now() - t0;
    console.log(
      JSON.stringify({ bookings: N, burstMs, kafkaDownMs: downMs, kafkaUpMs: upMs, allConfirmedAfterMs: settledMs }),
    );

    // read models: each booking once, with one PENDING -> CONFIRMED timeline
    const docs = await bookings.find({ offeringId });
    expect(docs).toHaveLength(N);
    expect(new Set(docs.map((d) => d._id)).size).toBe(N);
    expect(new Set(docs.map((d) => d._id))).toEqual(new Set(bookingIds));
    for (const d of docs) expect(d.timeline.map((t) => t.status)).toEqual(['PENDING', 'CONFIRMED']);

    // effects: exactly one CapacityConfirmed and one BookingConfirmed per booking
    const events = await h.platform.eventStore.readAll();
    const ids = new Set(bookingIds);
    const count = (type: string) => {
      const per = new Map<string, number>();
      for (const e of events) {
        const id = (e.data as { bookingId?: string }).bookingId;
        if (e.type === type && id && ids.has(id)) per.set(id, (per.get(id) ?? 0) + 1);
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
    // every effect any reactor recorded (receipts, notifications, ... included) is there once
    // per causing event, whatever was delivered twice around the outage
    const effects = new Map<string, number>();
    for (const e of events) {
      if (!e.metadata.actor.id.startsWith('reactor:')) continue;
      const d = e.data as { channel?: string; template?: string };
      const k = `${e.metadata.actor.id}|${e.type}|${e.streamId}|${e.metadata.causationId}|${d.channel ?? ''}|${d.template ?? ''}`;
      effects.set(k, (effects.get(k) ?? 0) + 1);
    }
    const repeated = [...effects].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
    const status = (h.platform.reactors as BusReactorRunner).status();
    expect(status.deadLetters).toBe(0);
    console.log(JSON.stringify({ relay: h.platform.relay?.status(), reactors: status }));
  }, 600_000);
});
