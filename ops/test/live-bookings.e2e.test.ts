/**
 * GET /api/live/bookings end to end on the embedded defaults, over a real socket with a
 * fetch-based SSE client (as the SPA reads it): a payment confirmed while the customer
 * watches arrives as CONFIRMED within 1 s; another customer's stream never carries it;
 * the provider and an admin see it; a reconnect with Last-Event-ID gets exactly what it
 * missed, then live changes. Bad input is a problem+json and opens nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../test-support/harness.js';
import { openSse, type SseClient, type SseEvent } from '../test-support/sse-client.js';
import { mintToken } from '@booking/shared-kernel';
import { expectFieldError, expectProblem } from '../test-support/problems.js';
import { account } from './security/support.js';

interface BookingView {
  id: string;
  customerId: string;
  status: string;
  payment: { status: string } | null;
}

const bookingOf = (e: SseEvent) => JSON.parse(e.data) as BookingView;

describe('live booking changes (Server-Sent Events)', () => {
  let h: Harness;
  let base: string;
  let offeringId: string;
  let slots: string[];
  const open: SseClient[] = [];

  const stream = async (userId: string, query = '', lastEventId?: string) => {
    const client = await openSse(`${base}/api/live/bookings${query}`, {
      ...h.auth(userId),
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    });
    open.push(client);
    return client;
  };

  const book = async (customer: string, slot: string): Promise<string> => {
    const r = await h.http.post('/api/bookings').set(h.auth(customer)).send({ offeringId, slotStart: slot });
    expect(r.status, r.text).toBe(201);
    return r.body.bookingId as string;
  };

  /** pays with the sandbox card; returns when the confirm was sent and how long it took */
  const pay = async (customer: string, bookingId: string): Promise<{ sentAt: number; tookMs: number }> => {
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(customer));
    expect(started.status, started.text).toBe(201);
    const confirmedAt = Date.now();
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth(customer))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.body.status, paid.text).toBe('SUCCEEDED');
    return { sentAt: confirmedAt, tookMs: Date.now() - confirmedAt };
  };

  const confirmedEvent = (bookingId: string) => (e: SseEvent) =>
    e.event === 'booking' && bookingOf(e).id === bookingId && bookingOf(e).status === 'CONFIRMED';

  beforeAll(async () => {
    h = await startHarness({ liveHeartbeatMs: 100 });
    const { port } = await h.platform.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Sunrise Flow',
        category: 'yoga',
        price: { amount: 1500, currency: 'EUR' },
        seatsPerSlot: 10,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status, created.text).toBe(201);
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slots = detail.body.slots.map((s: { start: string }) => s.start);
  });

  afterAll(async () => {
    open.forEach((c) => c.close());
    await h?.stop();
  });

  it('pushes CONFIRMED to the watching customer within 1 s, never to another customer', async () => {
    const aliceBooking = await book('customer-alice', slots[2]!);
    const bobBooking = await book('customer-bob', slots[2]!);

    const alice = await stream('customer-alice', `?bookingId=${aliceBooking}`);
    const bob = await stream('customer-bob');
    const provider = await stream('provider-lumen-yoga');
    const otherProvider = await stream('provider-harbor-bikes');
    const admin = await stream('admin-ada');
    expect(alice.status).toBe(200);
    expect(alice.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(alice.headers.get('cache-control')).toContain('no-cache');

    const confirm = await pay('customer-alice', aliceBooking);
    const pushed = await alice.waitFor(confirmedEvent(aliceBooking), 1000);
    const latency = pushed.receivedAt - confirm.sentAt;
    console.log(
      `live: CONFIRMED reached the customer's stream ${latency} ms after the sandbox confirm was sent ` +
        `(the confirm request itself took ${confirm.tookMs} ms)`,
    );
    expect(latency).toBeLessThan(1000);

    // the pushed booking is what GET /api/bookings/:id answers
    const view = await h.http.get(`/api/bookings/${aliceBooking}`).set(h.auth('customer-alice'));
    expect(bookingOf(pushed)).toEqual(view.body);
    expect(bookingOf(pushed).payment?.status).toBe('SUCCEEDED');
    // the id is the global position of the last event applied to the booking
    expect(pushed.id).toMatch(/^\d+$/);

    await provider.waitFor(confirmedEvent(aliceBooking));
    await admin.waitFor(confirmedEvent(aliceBooking));

    // Bob's own change reaches Bob; by then Alice's (earlier) change would have too.
    await pay('customer-bob', bobBooking);
    await bob.waitFor(confirmedEvent(bobBooking));
    await provider.waitFor(confirmedEvent(bobBooking));
    expect(bob.events.length).toBeGreaterThan(0);
    expect(bob.events.every((e) => bookingOf(e).customerId === 'customer-bob')).toBe(true);
    expect(bob.events.some((e) => bookingOf(e).id === aliceBooking)).toBe(false);
    // Alice's stream is narrowed to her booking; the other provider sees none of these
    expect(alice.events.every((e) => bookingOf(e).id === aliceBooking)).toBe(true);
    expect(otherProvider.events).toEqual([]);
    // heartbeats are comments, not events
    expect(bob.comments).toContain('heartbeat');
  });

  it('a reconnect with Last-Event-ID receives only what it missed, then live changes', async () => {
    const first = await book('customer-alice', slots[4]!);
    const watcher = await stream('customer-alice');
    await pay('customer-alice', first);
    const last = await watcher.waitFor(confirmedEvent(first));
    const streams = h.platform.liveBookings!.size;
    watcher.close();
    // the server lets go of a stream its client closed
    await eventually(async () => h.platform.liveBookings!.size === streams - 1);

    // while disconnected: a new booking of Alice's, and a change of Bob's
    const missed = await book('customer-alice', slots[5]!);
    await pay('customer-bob', await book('customer-bob', slots[5]!));
    const cancelled = await h.http
      .post(`/api/bookings/${missed}/cancel`)
      .set(h.auth('provider-lumen-yoga'))
      .send({ reason: 'studio closed' });
    expect(cancelled.status, cancelled.text).toBe(200);
    // the projection has caught up with everything above
    await h.http
      .get(`/api/bookings/${missed}`)
      .set(h.auth('customer-alice'))
      .set('x-min-position', cancelled.body.position);

    const resumed = await stream('customer-alice', '', last.id!);
    const caughtUp = await resumed.waitFor((e) => bookingOf(e).id === missed);
    expect(bookingOf(caughtUp).status).toBe('CANCELLED');
    // nothing from before the resume point, nothing of Bob's, each missed booking once
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.events.map((e) => bookingOf(e).id)).toEqual([missed]);
    expect(BigInt(caughtUp.id!)).toBeGreaterThan(BigInt(last.id!));

    // then live
    const next = await book('customer-alice', slots[6]!);
    const live = await resumed.waitFor((e) => bookingOf(e).id === next);
    expect(bookingOf(live).status).toBe('PENDING');
    expect(resumed.events.map((e) => bookingOf(e).id)).toEqual([missed, next]);
  });

  it('refuses a bad Last-Event-ID, unknown parameters, anonymous callers and analysts', async () => {
    const badId = await h.http.get('/api/live/bookings').set(h.auth('customer-alice')).set('last-event-id', 'abc');
    expectFieldError(badId, 'Last-Event-ID');
    const unknown = await h.http.get('/api/live/bookings?status=PENDING').set(h.auth('customer-alice'));
    expectFieldError(unknown, 'status');
    const badBooking = await h.http.get('/api/live/bookings?bookingId=a%20b').set(h.auth('customer-alice'));
    expectFieldError(badBooking, 'bookingId');
    expectProblem(await h.http.get('/api/live/bookings'), 401, 'unauthorized');
    expectProblem(await h.http.get('/api/live/bookings').set(h.auth('analyst-ann')), 403, 'forbidden');
  });
});

describe('live streams ending', () => {
  it('a stream ends when its access token expires (the client reconnects with a fresh one)', async () => {
    const h = await startHarness();
    try {
      const { port } = await h.platform.listen(0, '127.0.0.1');
      const shortLived = mintToken(
        { secret: h.config.jwtSecret, issuer: h.config.jwtIssuer, expiresIn: 2 },
        { id: 'customer-alice', role: 'customer' },
      );
      const openedAt = Date.now();
      const client = await openSse(`http://127.0.0.1:${port}/api/live/bookings`, {
        authorization: `Bearer ${shortLived}`,
      });
      expect(client.status).toBe(200);
      await client.ended;
      // JWT times are whole seconds: a 2 s token lives 1 to 2 s
      expect(Date.now() - openedAt).toBeLessThan(3000);
      await eventually(async () => h.platform.liveBookings?.size === 0);
    } finally {
      await h.stop();
    }
  });

  it('an open stream ends soon after its session is revoked or its user suspended; others stay open', async () => {
    const h = await startHarness({ liveHeartbeatMs: 100 });
    const open: SseClient[] = [];
    try {
      const { port } = await h.platform.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${port}`;
      const leaver = await account(h, 'live-leaver');
      const suspect = await account(h, 'live-suspect');
      const stayer = await account(h, 'live-stayer');
      const streams = await Promise.all(
        [leaver, suspect, stayer].map((a) => openSse(`${base}/api/live/bookings`, a.auth)),
      );
      open.push(...streams);
      const [leaving, suspended, staying] = streams as [SseClient, SseClient, SseClient];
      for (const s of streams) expect(s.status).toBe(200);

      const revokedAt = Date.now();
      expect((await h.http.post('/api/auth/logout').set(leaver.auth)).status).toBe(204);
      const suspend = await h.http
        .post(`/api/admin/users/${suspect.userId}/suspend`)
        .set(h.auth('admin-ada'))
        .send({ reason: 'fraud' });
      expect(suspend.status, suspend.text).toBeLessThan(300);
      const endedAt = await Promise.all([leaving.ended, suspended.ended].map((e) => e.then(() => Date.now())));
      // the harness rechecks every 100 ms (liveHeartbeatMs); the tokens themselves live for an hour
      for (const at of endedAt) expect(at - revokedAt).toBeLessThan(2000);
      let stillOpen = true;
      void staying.ended.then(() => (stillOpen = false));
      await new Promise((r) => setTimeout(r, 400));
      expect(stillOpen, "the other user's stream is not ended").toBe(true);
      // a reconnect with the revoked token is refused
      const again = await openSse(`${base}/api/live/bookings`, leaver.auth);
      open.push(again);
      expect(again.status).toBe(401);
    } finally {
      for (const c of open) c.close();
      await h.stop();
    }
  });

  it('stopping the platform ends the open streams instead of waiting for them', async () => {
    const h = await startHarness();
    const { port } = await h.platform.listen(0, '127.0.0.1');
    const client = await openSse(`http://127.0.0.1:${port}/api/live/bookings`, h.auth('customer-alice'));
    expect(client.status).toBe(200);
    await h.stop();
    await client.ended;
    expect(h.platform.liveBookings?.size).toBe(0);
  });
});
