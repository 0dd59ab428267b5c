/**
 * A crash between reserving capacity and recording the booking must not leak capacity
 * forever: the orphan hold blocks its seat only until it expires (the capacity decider
 * treats lapsed holds as free), and the hold-expiry scheduler then records its release.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { executeCommand, ManualClock, newId, streams, createCommandRuntime } from '@booking/shared-kernel';
import { capacityDecider } from '@booking/command';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../test-support/harness.js';

describe('capacity reserved by a booking that was never recorded', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it('blocks the seat until the hold lapses, then frees it and records the release as orphaned', async () => {
    const clock = new ManualClock(new Date());
    h = await startHarness({ clock });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'One seat',
        category: 'yoga',
        price: { amount: 1000, currency: 'EUR' },
        seatsPerSlot: 1,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const offeringId = created.body.offeringId as string;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    const slotStart = detail.body.slots[5].start as string;
    const slotStream = streams.slot(offeringId, slotStart);

    // The process "crashes" right after the reservation: no BookingPlaced follows.
    const orphanBookingId = newId();
    const runtime = createCommandRuntime(h.platform.eventStore, clock);
    await executeCommand(
      runtime,
      slotStream,
      capacityDecider,
      {
        type: 'ReserveCapacity',
        offeringId,
        bookingId: orphanBookingId,
        quantity: 1,
        holdExpiresAt: new Date(clock.now().getTime() + 15 * 60_000),
        seats: 1,
        now: clock.now(),
      },
      { actor: { id: 'customer-ghost', role: 'customer' }, correlationId: newId(), causationId: newId() },
    );

    const blocked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(blocked.status).toBe(409);
    expect(blocked.body.type).toMatch(/sold-out$/);

    clock.advance(15 * 60_000 + 1);
    const released = await eventually(async () => {
      const events = await h.platform.eventStore.readStream(slotStream);
      return events.find((e) => e.type === 'CapacityReleased');
    });
    expect(released.data).toMatchObject({ bookingId: orphanBookingId, reason: 'orphaned' });

    const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const types = (await h.platform.eventStore.readStream(slotStream)).map((e) => e.type);
    expect(types).toEqual(['CapacityReserved', 'CapacityReleased', 'CapacityReserved']);
  });
});
