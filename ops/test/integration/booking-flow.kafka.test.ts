/**
 * The booking flow with production-like adapters: read models in MongoDB (FerretDB) and
 * Kafka between the relay and the reactors (book -> sandbox pay -> CONFIRMED in the read
 * API). Needs MONGODB_URL and KAFKA_BROKERS (the integration tier sets both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysOpenSchedule, eventually } from '../../test-support/harness.js';
import { BusReactorRunner } from '@booking/projections';
import { dropDatabase, kafkaBrokers, mongodbUrl, startKafkaHarness, type KafkaHarness } from './kafka-support.js';

describe.skipIf(!kafkaBrokers || !mongodbUrl)('booking flow over Kafka with MongoDB read models', () => {
  let h: KafkaHarness;

  beforeAll(async () => {
    h = await startKafkaHarness();
  });
  afterAll(async () => {
    await h?.stop();
    if (h) await dropDatabase(h.namespace);
  });

  it('runs the relay and bus reactors; book, pay: CONFIRMED in the read API', async () => {
    expect(h.config.roles).toContain('relay');
    expect(h.platform.reactors).toBeInstanceOf(BusReactorRunner);
    await (h.platform.reactors as BusReactorRunner).ready();

    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Kafka Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status).toBe(201);
    const offeringId = created.body.offeringId as string;
    // FerretDB applies the projection slowly: read-your-writes may answer 503 (retry-after) first
    const detail = await eventually(
      async () => {
        const r = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
        if (r.status === 503) return null;
        expect(r.status).toBe(200);
        return r.body as { slots: { start: string }[] };
      },
      60_000,
      100,
    );
    const slotStart = detail.slots[3]!.start;

    const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    expect(started.status).toBe(201);
    const paidAt = Date.now();
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.body.status).toBe('SUCCEEDED');

    // the effect (through relay -> Kafka -> reactor group), then the read model (FerretDB)
    await eventually(
      async () => {
        const events = await h.platform.eventStore.readStream(`booking-${bookingId}`);
        return events.some((e) => e.type === 'BookingConfirmed');
      },
      20_000,
      5,
    );
    const effectMs = Date.now() - paidAt;
    const confirmed = await eventually(
      async () => {
        const r = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth('customer-alice'));
        return r.body.status === 'CONFIRMED' ? r.body : null;
      },
      20_000,
      20,
    );
    const latencyMs = Date.now() - paidAt;
    console.log(
      `payment -> BookingConfirmed recorded through Kafka: ${effectMs} ms; CONFIRMED in the read API (MongoDB): ${latencyMs} ms`,
    );
    expect(confirmed.timeline.map((t: { status: string }) => t.status)).toEqual(['PENDING', 'CONFIRMED']);

    const status = await h.http.get('/api/status/reactors');
    expect(status.body.reactors.source).toBe('bus');
    expect(
      status.body.reactors.reactors.find((r: { name: string }) => r.name === 'booking-confirmation'),
    ).toMatchObject({ group: `${h.namespace}.reactor-booking-confirmation`, joined: true });
    const ready = await h.http.get('/ready');
    expect(ready.body.checks.relay.published).toBeGreaterThan(0);
    expect(ready.body.checks.relay.lastError).toBeNull();
  });
});
