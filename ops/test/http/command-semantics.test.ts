/**
 * What command endpoints promise beyond validation: Idempotency-Key replays, ETag and
 * If-Match, ownership (403 for a provider on someone else's offering, 404 for a booking
 * that is not yours), domain refusals as 409 with a code, and 500s that leak nothing.
 */
import { settle as settleHarness } from '../../test-support/harness.js';
import {
  expectFieldError,
  expectProblem,
  expectNothingAppended as nothingAppended,
  type ProblemResponse,
} from '../../test-support/problems.js';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  IDEMPOTENCY_CLAIM_LEASE_MS,
  ManualClock,
  PROBLEM_BASE,
  toNewEvents,
  type EventStore,
} from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';

const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const LUMEN = 'provider-lumen-yoga';
const HARBOR = 'provider-harbor-bikes';
const KILN = 'provider-kiln-ceramics';
const ADMIN = 'admin-ada';

let h: Harness;
const expectNothingAppended = <T>(fn: () => Promise<T>) => nothingAppended(h, fn);
const settle = () => settleHarness(h);
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(new Date());
  h = await startHarness({ clock });
});

afterAll(async () => {
  await h?.stop();
});

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/** A published service open around the clock, hourly slots, seats per slot as given. */
async function createService(provider = LUMEN, seatsPerSlot = 3): Promise<{ offeringId: string; slots: string[] }> {
  const created = await h.http
    .post('/api/offerings')
    .set(h.auth(provider))
    .send({
      kind: 'service',
      title: `Class ${randomUUID().slice(0, 8)}`,
      category: 'yoga',
      price: { amount: 2000, currency: 'EUR' },
      seatsPerSlot,
      schedule: alwaysOpenSchedule(),
      publish: true,
    });
  expect(created.status).toBe(201);
  const detail = await h.http
    .get(`/api/offerings/${created.body.offeringId}`)
    .set('x-min-position', created.body.position);
  return { offeringId: created.body.offeringId, slots: detail.body.slots.map((s: { start: string }) => s.start) };
}

async function createProduct(provider = KILN, stock = 5): Promise<string> {
  const created = await h.http
    .post('/api/offerings')
    .set(h.auth(provider))
    .send({
      kind: 'product',
      title: `Thing ${randomUUID().slice(0, 8)}`,
      category: 'ceramics',
      price: { amount: 1500, currency: 'EUR' },
      stock,
      publish: true,
    });
  expect(created.status).toBe(201);
  return created.body.offeringId;
}

async function book(customer: string, offeringId: string, slotStart: string): Promise<string> {
  const res = await h.http.post('/api/bookings').set(h.auth(customer)).send({ offeringId, slotStart });
  expect(res.status, res.text).toBe(201);
  return res.body.bookingId;
}

/** Pays with the sandbox's good card and waits until the booking is CONFIRMED. */
async function payAndConfirm(customer: string, bookingId: string): Promise<void> {
  expect((await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(customer))).status).toBe(201);
  const paid = await h.http
    .post(`/api/payments/${bookingId}/sandbox-confirm`)
    .set(h.auth(customer))
    .send({ cardNumber: '4242 4242 4242 4242' });
  expect(paid.body.status).toBe('SUCCEEDED');
  await eventually(
    async () => (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(customer))).body.status === 'CONFIRMED',
  );
  await settle();
}

async function seatsLeft(offeringId: string, slotStart: string): Promise<number> {
  const res = await h.http.get(`/api/offerings/${offeringId}`);
  return res.body.slots.find((s: { start: string }) => s.start === slotStart).seatsLeft;
}

// ---------------------------------------------------------------------------------------
// Idempotency-Key
// ---------------------------------------------------------------------------------------

describe('Idempotency-Key', () => {
  it('the same key and body answer the first response again, marked replayed, with no new events', async () => {
    const { offeringId, slots } = await createService();
    const key = `book-${randomUUID()}`;
    const body = { offeringId, slotStart: slots[40] };
    const first = await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    await settle();

    for (let i = 0; i < 2; i++) {
      const again = await expectNothingAppended(() =>
        h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body),
      );
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.headers['x-event-position']).toBe(first.headers['x-event-position']);
    }
    const mine = await h.http.get('/api/me/bookings').query({ offeringId }).set(h.auth(ALICE));
    expect(mine.body.total).toBe(1);
    expect(await seatsLeft(offeringId, slots[40]!)).toBe(2);
  });

  it('the same key with another body is a 422 idempotency-key-reuse, and nothing is appended', async () => {
    const { offeringId, slots } = await createService();
    const key = `book-${randomUUID()}`;
    expect(
      (
        await h.http
          .post('/api/bookings')
          .set(h.auth(ALICE))
          .set('idempotency-key', key)
          .send({ offeringId, slotStart: slots[40] })
      ).status,
    ).toBe(201);
    await settle();
    const other = await expectNothingAppended(() =>
      h.http
        .post('/api/bookings')
        .set(h.auth(ALICE))
        .set('idempotency-key', key)
        .send({ offeringId, slotStart: slots[41] }),
    );
    expectProblem(other, 422, 'idempotency-key-reuse');
    const onAnotherEndpoint = await expectNothingAppended(() =>
      h.http
        .post(`/api/bookings/${randomUUID()}/cancel`)
        .set(h.auth(ALICE))
        .set('idempotency-key', key)
        .send({ offeringId, slotStart: slots[40] }),
    );
    expectProblem(onAnotherEndpoint, 422, 'idempotency-key-reuse');
  });

  it('a claim left by a process that died is taken over after its lease, never before', async () => {
    const { offeringId, slots } = await createService();
    const key = `crashed-${randomUUID()}`;
    const body = { offeringId, slotStart: slots[42] };
    // what a process that died between claiming the key and answering leaves behind
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const streamId = `idempotency-${sha(`customer:${ALICE}\n${key}`)}`;
    const requestHash = sha(`POST\n/api/bookings\n${JSON.stringify(body)}`);
    await h.platform.eventStore.append(
      streamId,
      toNewEvents(
        [{ type: 'IdempotencyKeyClaimed', data: { requestHash, claimedAt: clock.now().toISOString() } }],
        { actor: { id: ALICE, role: 'customer' }, correlationId: randomUUID(), causationId: randomUUID() },
        clock,
      ),
      'no_stream',
    );
    await settle();

    clock.advance(IDEMPOTENCY_CLAIM_LEASE_MS - 1000);
    const early = await expectNothingAppended(() =>
      h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body),
    );
    expectProblem(early, 409, 'conflict');

    clock.advance(2000);
    const takeover = await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body);
    expect(takeover.status).toBe(201);
    expect(takeover.headers['idempotent-replayed']).toBeUndefined();
    const replay = await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(takeover.body);
    const types = (await h.platform.eventStore.readStream(streamId)).map((e) => e.type);
    expect(types).toEqual(['IdempotencyKeyClaimed', 'IdempotencyKeyClaimed', 'IdempotentResponseRecorded']);
  });

  it('keys belong to their user: the same key from another user is a request of its own', async () => {
    const { offeringId, slots } = await createService();
    const key = `shared-${randomUUID()}`;
    const body = { offeringId, slotStart: slots[40] };
    const alice = await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body);
    const bob = await h.http.post('/api/bookings').set(h.auth(BOB)).set('idempotency-key', key).send(body);
    expect([alice.status, bob.status]).toEqual([201, 201]);
    expect(bob.headers['idempotent-replayed']).toBeUndefined();
    expect(bob.body.bookingId).not.toBe(alice.body.bookingId);
    const bobsView = await h.http
      .get(`/api/bookings/${bob.body.bookingId}`)
      .set(h.auth(BOB))
      .set('x-min-position', bob.body.position);
    expect(bobsView.body.customerId).toBe(BOB);
    expect(await seatsLeft(offeringId, slots[40]!)).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'my key'],
    ['too long', 'k'.repeat(201)],
    ['with a slash', 'a/b'],
    ['with a comma', 'a,b'],
    ['with braces', '{"$ne":1}'],
  ])('a key %s is a 400 naming Idempotency-Key, and nothing is appended', async (_label, key) => {
    const { offeringId, slots } = await createService();
    await settle();
    const res = await expectNothingAppended(() =>
      h.http
        .post('/api/bookings')
        .set(h.auth(ALICE))
        .set('idempotency-key', key)
        .send({ offeringId, slotStart: slots[40] }),
    );
    expectFieldError(res, 'Idempotency-Key');
  });

  it('a key of 200 safe characters is fine', async () => {
    const { offeringId, slots } = await createService();
    const res = await h.http
      .post('/api/bookings')
      .set(h.auth(ALICE))
      .set('idempotency-key', `${'a'.repeat(190)}._:-${'9'.repeat(6)}`)
      .send({ offeringId, slotStart: slots[40] });
    expect(res.status).toBe(201);
  });

  it('a refusal is an answer too: the same request with the same key gets the same refusal', async () => {
    const { offeringId, slots } = await createService(LUMEN, 1);
    const bobs = await book(BOB, offeringId, slots[40]!);
    const key = `try-${randomUUID()}`;
    const body = { offeringId, slotStart: slots[40] };
    const refused = await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body);
    expectProblem(refused, 409, 'sold-out');

    // the seat comes free, but the key still answers what it answered
    expect(
      (await h.http.post(`/api/bookings/${bobs}/cancel`).set(h.auth(BOB)).send({ reason: 'no longer needed' })).status,
    ).toBe(200);
    await settle();
    const replayed = await expectNothingAppended(() =>
      h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', key).send(body),
    );
    expectProblem(replayed, 409, 'sold-out');
    expect(replayed.headers['idempotent-replayed']).toBe('true');

    const freshKey = await h.http
      .post('/api/bookings')
      .set(h.auth(ALICE))
      .set('idempotency-key', `try-${randomUUID()}`)
      .send(body);
    expect(freshKey.status).toBe(201);
  });
});

// ---------------------------------------------------------------------------------------
// ETag and If-Match
// ---------------------------------------------------------------------------------------

describe('ETag and If-Match', () => {
  const etagMatches = (res: ProblemResponse) => {
    expect(res.headers.etag).toMatch(/^W\/"\d+"$/);
    expect(res.headers.etag).toBe(`W/"${res.body.revision}"`);
    if (res.body.position !== null) expect(res.headers['x-event-position']).toBe(res.body.position);
  };

  it('every successful command answers with ETag W/"<revision>" of its stream', async () => {
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth(LUMEN))
      .send({
        kind: 'service',
        title: 'Etag class',
        category: 'yoga',
        price: { amount: 1000, currency: 'EUR' },
        seatsPerSlot: 2,
        schedule: alwaysOpenSchedule(),
      });
    expect(created.headers.etag).toBe('W/"0"');
    const id = created.body.offeringId;
    const steps = [
      await h.http.post(`/api/offerings/${id}/publish`).set(h.auth(LUMEN)),
      await h.http.patch(`/api/offerings/${id}`).set(h.auth(LUMEN)).send({ title: 'Etag class II' }),
      await h.http
        .put(`/api/offerings/${id}/price`)
        .set(h.auth(LUMEN))
        .send({ price: { amount: 1100, currency: 'EUR' } }),
      await h.http.put(`/api/offerings/${id}/schedule`).set(h.auth(LUMEN)).send({ schedule: alwaysOpenSchedule() }),
      await h.http.put(`/api/offerings/${id}/seats`).set(h.auth(LUMEN)).send({ seatsPerSlot: 3 }),
    ];
    expect(steps.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    expect(steps.map((s) => s.headers.etag)).toEqual(['W/"1"', 'W/"2"', 'W/"3"', 'W/"4"', 'W/"5"']);
    for (const s of [created, ...steps]) etagMatches(s);

    const product = await createProduct();
    const stock = await h.http.put(`/api/offerings/${product}/stock`).set(h.auth(KILN)).send({ stock: 9 });
    etagMatches(stock);

    const { offeringId, slots } = await createService();
    const booked = await h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId, slotStart: slots[40] });
    expect(booked.headers.etag).toBe('W/"0"');
    const payment = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth(ALICE));
    expect(payment.headers.etag).toBe('W/"0"');
    const confirmed = await h.http
      .post(`/api/payments/${booked.body.bookingId}/sandbox-confirm`)
      .set(h.auth(ALICE))
      .send({ cardNumber: '4242424242424242' });
    expect(confirmed.headers.etag).toBe('W/"1"');
    const refund = await h.http
      .post(`/api/payments/${booked.body.bookingId}/refund`)
      .set(h.auth(ADMIN))
      .send({ reason: 'goodwill', amount: { amount: 500, currency: 'EUR' } });
    expect(refund.headers.etag).toBe('W/"2"');
    for (const s of [booked, payment, confirmed, refund]) etagMatches(s);
  });

  it('If-Match with the current revision is honoured; a stale one is a 412 and appends nothing', async () => {
    const { offeringId } = await createService();
    const current = await h.http.patch(`/api/offerings/${offeringId}`).set(h.auth(LUMEN)).send({ description: 'v2' });
    expect(current.headers.etag).toBe('W/"2"');

    const ok = await h.http
      .put(`/api/offerings/${offeringId}/price`)
      .set(h.auth(LUMEN))
      .set('if-match', current.headers.etag!)
      .send({ price: { amount: 2500, currency: 'EUR' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('W/"3"');
    const strong = await h.http
      .patch(`/api/offerings/${offeringId}`)
      .set(h.auth(LUMEN))
      .set('if-match', '"3"')
      .send({ description: 'v3' });
    expect(strong.status).toBe(200);
    await settle();

    for (const stale of ['W/"3"', 'W/"0"', '"99"']) {
      const res = await expectNothingAppended(() =>
        h.http
          .put(`/api/offerings/${offeringId}/price`)
          .set(h.auth(LUMEN))
          .set('if-match', stale)
          .send({ price: { amount: 9900, currency: 'EUR' } }),
      );
      expectProblem(res, 412, 'precondition-failed');
    }
    const view = await h.http.get(`/api/offerings/${offeringId}`);
    expect(view.body.price).toEqual({ amount: 2500, currency: 'EUR' });
  });

  it.each(['3', 'W/3', '"abc"', '*', 'W/"1", W/"2"', 'W/""'])(
    'a malformed If-Match (%s) is a 400 naming If-Match, and appends nothing',
    async (header) => {
      const { offeringId } = await createService();
      await settle();
      const res = await expectNothingAppended(() =>
        h.http.patch(`/api/offerings/${offeringId}`).set(h.auth(LUMEN)).set('if-match', header).send({ title: 'Nope' }),
      );
      expectFieldError(res, 'If-Match');
    },
  );

  it('bookings honour If-Match: stale and malformed ones refuse a cancel or a reschedule before anything is held', async () => {
    const { offeringId, slots } = await createService();
    const bookingId = await book(ALICE, offeringId, slots[40]!);
    await payAndConfirm(ALICE, bookingId);
    const rev = (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(ALICE))).body.timeline.length - 1; // PENDING, CONFIRMED -> revision 1
    expect(rev).toBe(1);

    for (const [path, body] of [
      ['cancel', { reason: 'x' }],
      ['reschedule', { slotStart: slots[44] }],
    ] as const) {
      const stale = await expectNothingAppended(() =>
        h.http.post(`/api/bookings/${bookingId}/${path}`).set(h.auth(ALICE)).set('if-match', 'W/"0"').send(body),
      );
      expectProblem(stale, 412, 'precondition-failed');
      const malformed = await expectNothingAppended(() =>
        h.http.post(`/api/bookings/${bookingId}/${path}`).set(h.auth(ALICE)).set('if-match', 'zero').send(body),
      );
      expectFieldError(malformed, 'If-Match');
    }
    expect(await seatsLeft(offeringId, slots[44]!)).toBe(3);

    const moved = await h.http
      .post(`/api/bookings/${bookingId}/reschedule`)
      .set(h.auth(ALICE))
      .set('if-match', 'W/"1"')
      .send({ slotStart: slots[44] });
    expect(moved.status).toBe(200);
    expect(moved.headers.etag).toBe('W/"2"');
    expect(moved.body.slot.start).toBe(slots[44]);
    await eventually(
      async () => (await seatsLeft(offeringId, slots[40]!)) === 3 && (await seatsLeft(offeringId, slots[44]!)) === 2,
    );
    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth(ALICE))
      .set('if-match', moved.headers.etag!)
      .send({ reason: 'x' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
  });
});

// ---------------------------------------------------------------------------------------
// ownership
// ---------------------------------------------------------------------------------------

describe('ownership', () => {
  it("a provider cannot change another provider's offering (403, nothing appended); an admin can", async () => {
    const { offeringId } = await createService(LUMEN);
    const product = await createProduct(KILN);
    await settle();
    const attempts = [
      () => h.http.patch(`/api/offerings/${offeringId}`).set(h.auth(HARBOR)).send({ title: 'Hijacked' }),
      () =>
        h.http
          .put(`/api/offerings/${offeringId}/price`)
          .set(h.auth(HARBOR))
          .send({ price: { amount: 1, currency: 'EUR' } }),
      () =>
        h.http
          .put(`/api/offerings/${offeringId}/schedule`)
          .set(h.auth(HARBOR))
          .send({ schedule: alwaysOpenSchedule() }),
      () => h.http.put(`/api/offerings/${offeringId}/seats`).set(h.auth(HARBOR)).send({ seatsPerSlot: 1 }),
      () => h.http.post(`/api/offerings/${offeringId}/publish`).set(h.auth(HARBOR)),
      () => h.http.post(`/api/offerings/${offeringId}/retire`).set(h.auth(HARBOR)),
      () => h.http.put(`/api/offerings/${product}/stock`).set(h.auth(HARBOR)).send({ stock: 0 }),
      () => h.http.put(`/api/offerings/${product}/stock`).set(h.auth(LUMEN)).send({ stock: 0 }),
    ];
    for (const attempt of attempts) {
      const res = await expectNothingAppended(attempt);
      expectProblem(res, 403, 'forbidden');
    }
    const byAdmin = await h.http
      .patch(`/api/offerings/${offeringId}`)
      .set(h.auth(ADMIN))
      .send({ title: 'Fixed by admin' });
    expect(byAdmin.status).toBe(200);
    const view = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', byAdmin.body.position);
    expect(view.body).toMatchObject({ title: 'Fixed by admin', providerId: LUMEN });
  });

  it("a customer can neither see, cancel, move nor pay another customer's booking (404, nothing appended)", async () => {
    const { offeringId, slots } = await createService();
    const bookingId = await book(ALICE, offeringId, slots[40]!);
    expect((await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(ALICE))).status).toBe(201);
    await settle();

    const seen = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(BOB));
    expectProblem(seen, 404, 'not-found');
    const payment = await h.http.get(`/api/payments/${bookingId}`).set(h.auth(BOB));
    expectProblem(payment, 404, 'not-found');
    const attempts = [
      () => h.http.post(`/api/bookings/${bookingId}/cancel`).set(h.auth(BOB)).send({ reason: 'mine now' }),
      () => h.http.post(`/api/bookings/${bookingId}/reschedule`).set(h.auth(BOB)).send({ slotStart: slots[45] }),
      () => h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(BOB)),
      () =>
        h.http
          .post(`/api/payments/${bookingId}/sandbox-confirm`)
          .set(h.auth(BOB))
          .send({ cardNumber: '4242424242424242' }),
      () => h.http.post(`/api/bookings/${bookingId}/cancel`).set(h.auth(HARBOR)).send({ reason: 'not my customer' }),
      () => h.http.post(`/api/bookings/${bookingId}/complete`).set(h.auth(HARBOR)),
    ];
    for (const attempt of attempts) {
      const res = await expectNothingAppended(attempt);
      expectProblem(res, 404, 'not-found');
      expect(res.body.detail).not.toContain(ALICE);
    }
    // a missing booking and someone else's answer alike
    const missing = await h.http
      .post(`/api/bookings/${randomUUID()}/cancel`)
      .set(h.auth(BOB))
      .send({ reason: 'mine now' });
    expect({ ...missing.body, instance: null, correlationId: null }).toEqual({
      ...(await h.http.post(`/api/bookings/${bookingId}/cancel`).set(h.auth(BOB)).send({ reason: 'mine now' })).body,
      instance: null,
      correlationId: null,
    });

    const still = await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(ALICE));
    expect(still.body).toMatchObject({ status: 'PENDING', customerId: ALICE, payment: { status: 'STARTED' } });
  });

  it('an admin can cancel any booking, even inside the notice a customer must give; so can its provider', async () => {
    const { offeringId, slots } = await createService();
    const soon = await book(ALICE, offeringId, slots[2]!);
    await payAndConfirm(ALICE, soon);
    const byCustomer = await expectNothingAppended(() =>
      h.http.post(`/api/bookings/${soon}/cancel`).set(h.auth(ALICE)).send({ reason: 'late' }),
    );
    expectProblem(byCustomer, 409, 'too-late');

    const byAdmin = await h.http
      .post(`/api/bookings/${soon}/cancel`)
      .set(h.auth(ADMIN))
      .send({ reason: 'studio closed' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.status).toBe('CANCELLED');
    const view = await h.http
      .get(`/api/bookings/${soon}`)
      .set(h.auth(ALICE))
      .set('x-min-position', byAdmin.body.position);
    expect(view.body.timeline.at(-1)).toMatchObject({ status: 'CANCELLED', by: 'admin', note: 'studio closed' });

    const bobs = await book(BOB, offeringId, slots[3]!);
    const byProvider = await h.http
      .post(`/api/bookings/${bobs}/cancel`)
      .set(h.auth(LUMEN))
      .send({ reason: 'teacher ill' });
    expect(byProvider.status).toBe(200);
    expect(byProvider.body.status).toBe('CANCELLED');
  });

  it('an admin can mark any pending booking paid, whether or not a payment was started', async () => {
    const { offeringId, slots } = await createService();
    const neverStarted = await book(BOB, offeringId, slots[40]!);
    const started = await book(ALICE, offeringId, slots[40]!);
    expect((await h.http.post(`/api/bookings/${started}/payment`).set(h.auth(ALICE))).status).toBe(201);
    for (const [bookingId, customer] of [
      [neverStarted, BOB],
      [started, ALICE],
    ] as const) {
      const marked = await h.http
        .post(`/api/payments/${bookingId}/mark-paid`)
        .set(h.auth(ADMIN))
        .send({ reason: 'paid cash at the desk' });
      expect(marked.status).toBe(200);
      expect(marked.body.status).toBe('SUCCEEDED');
      const payment = await h.http
        .get(`/api/payments/${bookingId}`)
        .set(h.auth(customer))
        .set('x-min-position', marked.body.position);
      expect(payment.status).toBe(200);
      expect(payment.body).toMatchObject({
        status: 'SUCCEEDED',
        customerId: customer,
        amount: { amount: 2000, currency: 'EUR' },
      });
      expect(payment.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['marked-paid']);
      await eventually(
        async () => (await h.http.get(`/api/bookings/${bookingId}`).set(h.auth(customer))).body.status === 'CONFIRMED',
      );
    }
    const projections = await h.http.get('/api/status/projections');
    expect(projections.body.lastError).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------
// domain refusals
// ---------------------------------------------------------------------------------------

describe('domain refusals are 409 with a code, and append nothing', () => {
  it('sold-out: a full slot, and more units than a product has', async () => {
    const { offeringId, slots } = await createService(LUMEN, 1);
    await book(ALICE, offeringId, slots[40]!);
    const product = await createProduct(KILN, 2);
    await settle();
    const slot = await expectNothingAppended(() =>
      h.http.post('/api/bookings').set(h.auth(BOB)).send({ offeringId, slotStart: slots[40] }),
    );
    expectProblem(slot, 409, 'sold-out');
    expect(slot.body.title).toBe('Request refused by a business rule');
    const units = await expectNothingAppended(() =>
      h.http.post('/api/bookings').set(h.auth(BOB)).send({ offeringId: product, quantity: 3 }),
    );
    expectProblem(units, 409, 'sold-out');
    const seats = await expectNothingAppended(() =>
      h.http.post('/api/bookings').set(h.auth(BOB)).send({ offeringId, slotStart: slots[41], quantity: 2 }),
    );
    expectProblem(seats, 409, 'sold-out');
  });

  it('invalid-booking-status: cancel twice, pay a cancelled booking, move or complete a pending one', async () => {
    const { offeringId, slots } = await createService();
    const cancelled = await book(ALICE, offeringId, slots[40]!);
    expect(
      (await h.http.post(`/api/bookings/${cancelled}/cancel`).set(h.auth(ALICE)).send({ reason: 'x' })).status,
    ).toBe(200);
    const pending = await book(ALICE, offeringId, slots[41]!);
    await settle();

    const refusals = [
      () => h.http.post(`/api/bookings/${cancelled}/cancel`).set(h.auth(ALICE)).send({ reason: 'again' }),
      () => h.http.post(`/api/bookings/${cancelled}/payment`).set(h.auth(ALICE)),
      () => h.http.post(`/api/payments/${cancelled}/mark-paid`).set(h.auth(ADMIN)).send({ reason: 'cash' }),
      () => h.http.post(`/api/bookings/${pending}/reschedule`).set(h.auth(ALICE)).send({ slotStart: slots[45] }),
      () => h.http.post(`/api/bookings/${pending}/complete`).set(h.auth(LUMEN)),
      () => h.http.post(`/api/bookings/${pending}/no-show`).set(h.auth(ADMIN)),
    ];
    for (const refusal of refusals) {
      const res = await expectNothingAppended(refusal);
      expectProblem(res, 409, 'invalid-booking-status');
    }
    expect(await seatsLeft(offeringId, slots[45]!)).toBe(3);
  });

  it('too-late: a customer can neither cancel nor move a service within 24 h of its start, and no seat is held for the move', async () => {
    const { offeringId, slots } = await createService();
    const soonStart = slots[2]!;
    expect(Date.parse(soonStart) - clock.now().getTime()).toBeLessThan(24 * 3_600_000);
    const confirmed = await book(ALICE, offeringId, soonStart);
    await payAndConfirm(ALICE, confirmed);
    const pending = await book(BOB, offeringId, soonStart);
    await settle();

    const cancel = await expectNothingAppended(() =>
      h.http.post(`/api/bookings/${confirmed}/cancel`).set(h.auth(ALICE)).send({ reason: 'late' }),
    );
    expectProblem(cancel, 409, 'too-late');
    const pendingCancel = await expectNothingAppended(() =>
      h.http.post(`/api/bookings/${pending}/cancel`).set(h.auth(BOB)).send({ reason: 'late' }),
    );
    expectProblem(pendingCancel, 409, 'too-late');
    const move = await expectNothingAppended(() =>
      h.http.post(`/api/bookings/${confirmed}/reschedule`).set(h.auth(ALICE)).send({ slotStart: slots[30] }),
    );
    expectProblem(move, 409, 'too-late');
    expect(await seatsLeft(offeringId, slots[30]!)).toBe(3);

    const view = await h.http.get(`/api/bookings/${confirmed}`).set(h.auth(ALICE));
    expect(view.body).toMatchObject({ status: 'CONFIRMED', slot: { start: soonStart } });
    // the provider may still move it
    const byProvider = await h.http
      .post(`/api/bookings/${confirmed}/reschedule`)
      .set(h.auth(LUMEN))
      .send({ slotStart: slots[30] });
    expect(byProvider.status).toBe(200);
  });

  it('other refusals: slot-unavailable, not-started, already-paid, refund-too-large, offering-retired, not-a-service', async () => {
    const { offeringId, slots } = await createService();
    const bookingId = await book(ALICE, offeringId, slots[40]!);
    await payAndConfirm(ALICE, bookingId);
    const product = await createProduct();
    const retired = await createService();
    expect((await h.http.post(`/api/offerings/${retired.offeringId}/retire`).set(h.auth(LUMEN))).status).toBe(200);
    await settle();

    const halfPast = new Date(Date.parse(slots[40]!) + 30 * 60_000).toISOString();
    const cases: [string, () => Promise<ProblemResponse>][] = [
      [
        'slot-unavailable',
        () => h.http.post('/api/bookings').set(h.auth(BOB)).send({ offeringId, slotStart: halfPast }),
      ],
      [
        'slot-unavailable',
        () => h.http.post('/api/bookings').set(h.auth(BOB)).send({ offeringId, slotStart: '2001-01-01T00:00:00Z' }),
      ],
      ['not-started', () => h.http.post(`/api/bookings/${bookingId}/complete`).set(h.auth(LUMEN))],
      ['not-started', () => h.http.post(`/api/bookings/${bookingId}/no-show`).set(h.auth(LUMEN))],
      [
        'already-paid',
        () =>
          h.http
            .post(`/api/payments/${bookingId}/sandbox-confirm`)
            .set(h.auth(ALICE))
            .send({ cardNumber: '4242424242424242' }),
      ],
      ['invalid-booking-status', () => h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(ALICE))],
      [
        'refund-too-large',
        () =>
          h.http
            .post(`/api/payments/${bookingId}/refund`)
            .set(h.auth(ADMIN))
            .send({ reason: 'x', amount: { amount: 2001, currency: 'EUR' } }),
      ],
      [
        'offering-retired',
        () => h.http.patch(`/api/offerings/${retired.offeringId}`).set(h.auth(LUMEN)).send({ title: 'Back' }),
      ],
      ['offering-retired', () => h.http.post(`/api/offerings/${retired.offeringId}/publish`).set(h.auth(LUMEN))],
      [
        'not-a-service',
        () =>
          h.http.put(`/api/offerings/${product}/schedule`).set(h.auth(KILN)).send({ schedule: alwaysOpenSchedule() }),
      ],
      [
        'not-a-service',
        () => h.http.put(`/api/offerings/${product}/seats`).set(h.auth(KILN)).send({ seatsPerSlot: 2 }),
      ],
    ];
    for (const [code, attempt] of cases) {
      const res = await expectNothingAppended(attempt);
      expectProblem(res, 409, code);
      expect(res.body.detail).toEqual(expect.any(String));
    }
    // a retired offering cannot be booked: it is gone from the catalog
    const gone = await expectNothingAppended(() =>
      h.http
        .post('/api/bookings')
        .set(h.auth(BOB))
        .send({ offeringId: retired.offeringId, slotStart: retired.slots[40] }),
    );
    expectProblem(gone, 404, 'not-found');
  });
});

// ---------------------------------------------------------------------------------------
// 500s
// ---------------------------------------------------------------------------------------

describe('unexpected failures', () => {
  it('a 500 says nothing of the internals, names the correlation id, frees the Idempotency-Key and gives the seat back', async () => {
    const { offeringId, slots } = await createService(LUMEN, 1);
    await settle();
    const store: EventStore = h.platform.eventStore;
    const diskError = () => new Error('SQLITE_IOERR: disk I/O error in /var/lib/booking/secret-events.db');
    const original = store.append.bind(store);
    const spy = vi.spyOn(store, 'append').mockImplementation(async (streamId, events, expected) => {
      if (streamId.startsWith('booking-')) throw diskError();
      return original(streamId, events, expected);
    });
    // the booking is stored with its capacity hold in one append where the store can
    const originalMulti = store.appendToStreams!.bind(store);
    const multiSpy = vi.spyOn(store, 'appendToStreams').mockImplementation(async (appends) => {
      if (appends.some((a) => a.streamId.startsWith('booking-'))) throw diskError();
      return originalMulti(appends);
    });
    const key = `boom-${randomUUID()}`;
    let failed;
    try {
      failed = await h.http
        .post('/api/bookings')
        .set(h.auth(ALICE))
        .set('idempotency-key', key)
        .set('x-correlation-id', 'trace-500')
        .send({ offeringId, slotStart: slots[40] });
    } finally {
      spy.mockRestore();
      multiSpy.mockRestore();
    }
    expectProblem(failed, 500, 'internal');
    expect(failed.body).toEqual({
      type: `${PROBLEM_BASE}internal`,
      title: 'Internal error',
      status: 500,
      code: 'internal',
      instance: '/api/bookings',
      detail: 'an internal error occurred; quote the correlation id when reporting it',
      correlationId: 'trace-500',
    });
    expect(failed.headers['x-correlation-id']).toBe('trace-500');
    expect(failed.text).not.toMatch(/SQLITE|secret|\/var\/lib|at .*\.ts|stack/i);

    await settle();
    expect(await seatsLeft(offeringId, slots[40]!)).toBe(1);
    const retried = await h.http
      .post('/api/bookings')
      .set(h.auth(ALICE))
      .set('idempotency-key', key)
      .send({ offeringId, slotStart: slots[40] });
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('an unknown route is a problem document too', async () => {
    const res = await expectNothingAppended(() => h.http.post('/api/bookings/x/teleport').set(h.auth(ALICE)).send({}));
    expectProblem(res, 404, 'route-not-found');
  });
});

// Last: moves the shared clock forward.
describe('holds', () => {
  it('hold-expired: a booking whose hold has lapsed cannot be paid', async () => {
    const { offeringId, slots } = await createService();
    const bookingId = await book(BOB, offeringId, slots[60]!);
    await settle();
    clock.advance((h.config.holdMinutes + 1) * 60_000);
    const res = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth(BOB));
    // the hold-expiry scheduler may already have expired it
    expect(res.status).toBe(409);
    expect(['hold-expired', 'invalid-booking-status']).toContain(res.body.code);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
