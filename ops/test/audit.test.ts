/**
 * The admin audit history: events in order, state replayed at any revision, differences
 * between revisions, and the trace of one request across streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCommandRuntime,
  eventCatalogue,
  executeCommand,
  newId,
  streams,
  systemClock,
  type BookingEvent,
} from '@booking/shared-kernel';
import { bookingDecider, evolveBooking, initialBookingState } from '@booking/command';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../test-support/harness.js';

describe('audit history', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('replays a 50-event booking at every revision exactly as folding its events', async () => {
    const runtime = createCommandRuntime(h.platform.eventStore, systemClock);
    const bookingId = newId();
    const customer = { id: 'customer-alice', role: 'customer' as const };
    const ctx = { actor: customer, correlationId: newId(), causationId: newId() };
    const start = (i: number) => new Date(Date.UTC(2031, 0, 1, 8) + i * 3_600_000).toISOString();
    const end = (i: number) => new Date(Date.UTC(2031, 0, 1, 9) + i * 3_600_000).toISOString();
    await executeCommand(
      runtime,
      streams.booking(bookingId),
      bookingDecider,
      {
        type: 'PlaceBooking',
        actor: customer,
        data: {
          bookingId,
          customerId: customer.id,
          providerId: 'provider-lumen-yoga',
          offeringId: newId(),
          offeringTitle: 'Yoga',
          kind: 'service',
          quantity: 1,
          slot: { start: start(0), end: end(0) },
          capacityStreamId: `slot-x-0`,
          unitPrice: { amount: 1000, currency: 'EUR' },
          total: { amount: 1000, currency: 'EUR' },
          holdExpiresAt: new Date(Date.now() + 900_000).toISOString(),
          attribution: {},
        },
      },
      ctx,
    );
    await executeCommand(
      runtime,
      streams.booking(bookingId),
      bookingDecider,
      { type: 'ConfirmBooking', paymentId: bookingId },
      ctx,
    );
    for (let i = 1; i <= 48; i++) {
      await executeCommand(
        runtime,
        streams.booking(bookingId),
        bookingDecider,
        {
          type: 'RescheduleBooking',
          actor: customer,
          to: { start: start(i), end: end(i) },
          toCapacityStreamId: `slot-x-${i}`,
          now: new Date(),
          minimumNoticeMinutes: 0,
        },
        ctx,
      );
    }
    const admin = h.auth('admin-ada');
    const events = await h.http.get(`/api/admin/audit/bookings/${bookingId}/events`).set(admin);
    expect(events.status).toBe(200);
    expect(events.body.events).toHaveLength(50);
    expect(events.body.events.map((e: { revision: string }) => e.revision)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    expect(events.body.events[0]).toMatchObject({
      type: 'BookingPlaced',
      actor: customer,
      correlationId: ctx.correlationId,
    });

    const stored = await h.platform.eventStore.readStream(streams.booking(bookingId));
    let folded = initialBookingState;
    for (let r = 0; r < 50; r++) {
      folded = evolveBooking(folded, eventCatalogue.decode<BookingEvent>(stored[r]!));
      const replay = await h.http.get(`/api/admin/audit/bookings/${bookingId}/state`).query({ revision: r }).set(admin);
      expect(replay.status).toBe(200);
      expect(replay.body.state).toEqual(JSON.parse(JSON.stringify(folded)));
    }

    const d = await h.http.get(`/api/admin/audit/bookings/${bookingId}/diff`).query({ from: 1, to: 2 }).set(admin);
    expect(d.status).toBe(200);
    expect(d.body.changes).toEqual([
      { path: 'capacityStreamId', before: 'slot-x-0', after: 'slot-x-1' },
      { path: 'slot.end', before: end(0), after: end(1) },
      { path: 'slot.start', before: start(0), after: start(1) },
    ]);
    expect(d.body.events.map((e: { type: string }) => e.type)).toEqual(['BookingRescheduled']);
  });

  it('traces everything a paid booking caused, and is for admins only', async () => {
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Traced class',
        category: 'yoga',
        price: { amount: 1500, currency: 'EUR' },
        seatsPerSlot: 2,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const offeringId = created.body.offeringId as string;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId, slotStart: detail.body.slots[1].start });
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .set('x-correlation-id', 'trace-paid-booking-1')
      .send({ cardNumber: '4242424242424242' });
    expect(paid.status).toBe(200);

    const trace = await eventually(async () => {
      const r = await h.http.get('/api/admin/audit/trace/trace-paid-booking-1').set(h.auth('admin-ada'));
      return r.status === 200 && r.body.events.some((e: { type: string }) => e.type === 'BookingConfirmed')
        ? r.body
        : null;
    });
    const types = trace.events.map((e: { type: string }) => e.type);
    expect(types.slice(0, 3)).toEqual(['PaymentSucceeded', 'CapacityConfirmed', 'BookingConfirmed']);
    // Everything after the payment was caused by an earlier event of the same trace
    // (receipts, notifications and conversions join the chain as those reactors run).
    const seen = new Set<string>([trace.events[0].eventId]);
    for (const e of trace.events.slice(1)) {
      expect(seen.has(e.causationId), `${e.type} caused by an event of the trace`).toBe(true);
      seen.add(e.eventId);
    }
    const succeeded = trace.events[0];
    // The downstream events were caused by the payment event, through the reactor.
    expect(trace.events[1].causationId).toBe(succeeded.eventId);
    expect(trace.events[2].causationId).toBe(succeeded.eventId);
    expect(trace.events[2].actor).toEqual({ id: 'reactor:booking-confirmation', role: 'system' });

    for (const who of ['customer-alice', 'provider-lumen-yoga']) {
      const r = await h.http.get('/api/admin/audit/trace/trace-paid-booking-1').set(h.auth(who));
      expect(r.status).toBe(403);
      const e = await h.http.get(`/api/admin/audit/bookings/${booked.body.bookingId}/events`).set(h.auth(who));
      expect(e.status).toBe(403);
    }
    const unknown = await h.http.get('/api/admin/audit/widgets/x/events').set(h.auth('admin-ada'));
    expect(unknown.status).toBe(404);
  });
  it("opens a user's history with every credential hash redacted, in events, states and diffs", async () => {
    const email = 'audited@example.com';
    const password = 'correct horse battery staple 42';
    expect((await h.http.post('/api/auth/register').send({ email, password, name: 'Audrey' })).status).toBe(202);
    const userId = await eventually(async () => {
      const r = await h.http.get('/api/admin/users').query({ q: 'audited' }).set(h.auth('admin-ada'));
      return (r.body.items as { id: string; email: string }[] | undefined)?.find((u) => u.email === email)?.id;
    }, 5000);
    const stored = await h.platform.eventStore.readStream(`user-${userId}`);
    const hashes = stored.flatMap((e) =>
      Object.entries(e.data).filter(([k, v]) => /Hash$/.test(k) && k !== 'keyHash' && typeof v === 'string'),
    );
    expect(hashes.length).toBeGreaterThan(0); // the password hash and the verification token hash

    const admin = h.auth('admin-ada');
    const events = await h.http.get(`/api/admin/audit/users/${userId}/events`).set(admin);
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(stored.map((e) => e.type));
    const state = await h.http.get(`/api/admin/audit/users/${userId}/state`).set(admin);
    expect(state.body.state).toMatchObject({ email, name: 'Audrey', passwordHash: '[redacted]' });
    const last = stored.length - 1;
    const answers = [events.text, state.text];
    if (last > 0)
      answers.push(
        (await h.http.get(`/api/admin/audit/users/${userId}/diff`).query({ from: 0, to: last }).set(admin)).text,
      );
    for (const text of answers) {
      for (const [, hash] of hashes) expect(text).not.toContain(hash as string);
      expect(text).toContain('[redacted]');
    }
    expect((await h.http.get(`/api/admin/audit/users/${userId}/events`).set(h.auth('customer-alice'))).status).toBe(
      403,
    );
  });
});
