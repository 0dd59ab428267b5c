/**
 * Capacity is decided inside one stream: concurrent bookings never exceed it, whether
 * they meet in one process (queued per stream) or come from several (expected revision).
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import {
  createCommandRuntime,
  executeCommand,
  newId,
  systemClock,
  streams,
  AppError,
  eventCatalogue,
} from '@booking/shared-kernel';
import { SqliteEventStore } from '@booking/shared-kernel/adapters';
import { capacityDecider } from '@booking/command';
import { alwaysOpenSchedule, startHarness, tempDir, type Harness } from '../test-support/harness.js';

describe('concurrent bookings for one slot', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('50 concurrent bookings for a slot with 5 seats give exactly 5 holds; the other 45 are sold out', async () => {
    h = await startHarness();
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Tiny class',
        category: 'yoga',
        price: { amount: 1000, currency: 'EUR' },
        seatsPerSlot: 5,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const offeringId = created.body.offeringId as string;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    const slotStart = detail.body.slots[2].start as string;

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h!.http
          .post('/api/bookings')
          .set(h!.auth(`customer-racer${i}`))
          .send({ offeringId, slotStart }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(45);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ type: expect.stringMatching(/\/sold-out$/), detail: 'sold out' });
    }

    const slotEvents = await h.platform.eventStore.readStream(streams.slot(offeringId, slotStart));
    expect(slotEvents.map((e) => e.type)).toEqual(Array(5).fill('CapacityReserved'));
    const holders = new Set(slotEvents.map((e) => (e.data as { bookingId: string }).bookingId));
    const winners = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.bookingId as string));
    expect(holders).toEqual(winners);
  });

  it('writers in two processes on one store cannot oversell either (expected revision)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.sqlite');
    // Two store instances on one file behave like two processes: separate caches and queues.
    const storeA = new SqliteEventStore({ path: file });
    const storeB = new SqliteEventStore({ path: file });
    try {
      const runtimes = [createCommandRuntime(storeA, systemClock, 50), createCommandRuntime(storeB, systemClock, 50)];
      const offeringId = newId();
      const streamId = streams.slot(offeringId, '2031-01-01T10:00:00.000Z');
      const holdExpiresAt = new Date(Date.now() + 15 * 60_000);
      const ctx = { actor: { id: 'c', role: 'customer' as const }, correlationId: newId(), causationId: newId() };
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          executeCommand(
            runtimes[i % 2]!,
            streamId,
            capacityDecider,
            () => ({
              type: 'ReserveCapacity' as const,
              offeringId,
              bookingId: newId(),
              quantity: 1,
              holdExpiresAt,
              seats: 5,
              now: new Date(),
            }),
            ctx,
          ).then(
            () => 'reserved',
            (err: unknown) => (err instanceof AppError ? err.code : 'unexpected'),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'sold-out')).toHaveLength(35);
      const events = (await storeA.readStream(streamId)).map((e) => eventCatalogue.decode(e));
      expect(events.filter((e) => e.type === 'CapacityReserved')).toHaveLength(5);
    } finally {
      await storeA.close();
      await storeB.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
