/**
 * The read API over HTTP: catalog filters, sorting and paging; who sees unpublished
 * offerings; availability; query validation; the scoping of booking lists and of single
 * bookings and payments; read-your-writes; health, readiness and projection status.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPosition, ManualClock } from '@booking/shared-kernel';
import {
  alwaysOpenSchedule,
  eventually,
  settle as settleHarness,
  startHarness,
  type Harness,
} from '../../test-support/harness.js';
import { expectFieldError, expectProblem, type ProblemResponse } from '../../test-support/problems.js';

const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const CAROL = 'customer-carol';
const LUMEN = 'provider-lumen-yoga';
const HARBOR = 'provider-harbor-bikes';
const KILN = 'provider-kiln-ceramics';
const ADMIN = 'admin-ada';
const DAY = 86_400_000;

let h: Harness;
const settle = () => settleHarness(h);
let clock: ManualClock;
let t0: number;

/** ids made in beforeAll */
const o = { vinyasa: '', yin: '', draft: '', bike: '', tandem: '', glaze: '', retired: '' };
const b = { aliceYin: '', aliceBike: '', bobVinyasa: '' };
let yinSlot = '';

const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title);
const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((i) => i.id);
const iso = (ms: number) => new Date(ms).toISOString();

async function create(provider: string, body: Record<string, unknown>): Promise<string> {
  clock.advance(1000); // distinct createdAt / publishedAt for sorting
  const res = await h.http.post('/api/offerings').set(h.auth(provider)).send(body);
  expect(res.status, res.text).toBe(201);
  return res.body.offeringId;
}

const service = (
  title: string,
  category: string,
  amount: number,
  seatsPerSlot: number,
  extra: Record<string, unknown> = {},
) => ({
  kind: 'service',
  title,
  category,
  price: { amount, currency: 'EUR' },
  seatsPerSlot,
  schedule: alwaysOpenSchedule(),
  publish: true,
  ...extra,
});
const product = (title: string, amount: number, currency: string, stock: number) => ({
  kind: 'product',
  title,
  category: 'bikes',
  price: { amount, currency },
  stock,
  publish: true,
});

beforeAll(async () => {
  clock = new ManualClock(new Date());
  t0 = clock.now().getTime();
  h = await startHarness({ clock, env: { READ_YOUR_WRITES_TIMEOUT_MS: '100' } });

  o.vinyasa = await create(
    LUMEN,
    service('Morning Vinyasa', 'yoga', 1500, 2, {
      description: 'Flow by the sea',
      location: { address: '12 Harbour Road', city: 'Porto', country: 'PT' },
    }),
  );
  o.yin = await create(LUMEN, service('Evening Yin', 'yoga', 2000, 3));
  o.draft = await create(LUMEN, service('Secret Draft', 'yoga', 1000, 3, { publish: false }));
  o.bike = await create(HARBOR, product('City Bike', 3000, 'EUR', 5));
  o.tandem = await create(HARBOR, product('Tandem', 4500, 'USD', 0));
  o.glaze = await create(
    KILN,
    service('Glaze Workshop', 'ceramics', 5000, 4, { schedule: { ...alwaysOpenSchedule(), maxHorizonDays: 1 } }),
  );
  o.retired = await create(KILN, service('Old Kiln Tour', 'ceramics', 900, 4));
  const retired = await h.http.post(`/api/offerings/${o.retired}/retire`).set(h.auth(KILN));
  expect(retired.status).toBe(200);

  const yin = await h.http.get(`/api/offerings/${o.yin}`).set('x-min-position', retired.body.position);
  yinSlot = yin.body.slots[30].start;

  clock.advance(1000);
  const aliceYin = await h.http
    .post('/api/bookings')
    .set(h.auth(ALICE))
    .send({ offeringId: o.yin, slotStart: yinSlot, quantity: 2 });
  expect(aliceYin.status).toBe(201);
  b.aliceYin = aliceYin.body.bookingId;
  expect((await h.http.post(`/api/bookings/${b.aliceYin}/payment`).set(h.auth(ALICE))).status).toBe(201);
  expect(
    (
      await h.http
        .post(`/api/payments/${b.aliceYin}/sandbox-confirm`)
        .set(h.auth(ALICE))
        .send({ cardNumber: '4242424242424242' })
    ).body.status,
  ).toBe('SUCCEEDED');
  await eventually(
    async () => (await h.http.get(`/api/bookings/${b.aliceYin}`).set(h.auth(ALICE))).body.status === 'CONFIRMED',
  );

  clock.advance(1000);
  const aliceBike = await h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId: o.bike, quantity: 2 });
  expect(aliceBike.status).toBe(201);
  b.aliceBike = aliceBike.body.bookingId;

  clock.advance(1000);
  const vinyasa = await h.http.get(`/api/offerings/${o.vinyasa}`);
  const bobVinyasa = await h.http
    .post('/api/bookings')
    .set(h.auth(BOB))
    .send({ offeringId: o.vinyasa, slotStart: vinyasa.body.slots[30].start });
  expect(bobVinyasa.status).toBe(201);
  b.bobVinyasa = bobVinyasa.body.bookingId;
  await settle();
});

afterAll(async () => {
  await h?.stop();
});

// ---------------------------------------------------------------------------------------
// catalog
// ---------------------------------------------------------------------------------------

describe('catalog list', () => {
  it('lists published offerings only, by title, with paging totals and no store internals', async () => {
    const res = await h.http.get('/api/offerings');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(titles(res)).toEqual(['City Bike', 'Evening Yin', 'Glaze Workshop', 'Morning Vinyasa', 'Tandem']);
    expect(res.body).toMatchObject({ total: 5, page: 1, pageSize: 20 });
    for (const item of res.body.items) {
      expect(item).not.toHaveProperty('_id');
      expect(item).not.toHaveProperty('_pos');
      expect(item).not.toHaveProperty('searchText');
      expect(item).not.toHaveProperty('schedule');
      expect(item.status).toBe('published');
    }
    const bike = res.body.items.find((i: { id: string }) => i.id === o.bike);
    expect(bike).toMatchObject({
      kind: 'product',
      providerId: HARBOR,
      price: { amount: 3000, currency: 'EUR' },
      available: 3,
    });
    const yin = res.body.items.find((i: { id: string }) => i.id === o.yin);
    expect(yin).toMatchObject({ kind: 'service', timeZone: 'UTC', seatsPerSlot: 3 });
    expect(yin).not.toHaveProperty('available');
  });

  it.each([
    ['q on the title', { q: 'vinyasa' }, ['Morning Vinyasa']],
    ['q ignores case', { q: 'YIN' }, ['Evening Yin']],
    ['q on the description', { q: 'by the sea' }, ['Morning Vinyasa']],
    ['q on the city', { q: 'porto' }, ['Morning Vinyasa']],
    ['q on the category, never a draft', { q: 'yoga' }, ['Evening Yin', 'Morning Vinyasa']],
    ['q with regex characters is literal text', { q: '.*' }, []],
    ['q with a regex group is literal text', { q: '(yin|bike)' }, []],
    ['kind=product', { kind: 'product' }, ['City Bike', 'Tandem']],
    ['kind=service', { kind: 'service' }, ['Evening Yin', 'Glaze Workshop', 'Morning Vinyasa']],
    ['providerId', { providerId: HARBOR }, ['City Bike', 'Tandem']],
    ['providerId, never a draft or retired one', { providerId: LUMEN }, ['Evening Yin', 'Morning Vinyasa']],
    ['providerId unknown', { providerId: 'provider-nobody' }, []],
    ['category', { category: 'ceramics' }, ['Glaze Workshop']],
    ['minPrice', { minPrice: '3000' }, ['City Bike', 'Glaze Workshop', 'Tandem']],
    ['maxPrice', { maxPrice: '2000' }, ['Evening Yin', 'Morning Vinyasa']],
    [
      'minPrice and maxPrice, inclusive',
      { minPrice: '2000', maxPrice: '4500' },
      ['City Bike', 'Evening Yin', 'Tandem'],
    ],
    ['currency', { currency: 'USD' }, ['Tandem']],
    ['combined filters', { kind: 'service', category: 'yoga', maxPrice: '1800' }, ['Morning Vinyasa']],
  ] as const)('filters: %s', async (_label, query, expected) => {
    const res = await h.http.get('/api/offerings').query(query);
    expect(res.status, res.text).toBe(200);
    expect(titles(res)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it.each([
    ['price', ['Morning Vinyasa', 'Evening Yin', 'City Bike', 'Tandem', 'Glaze Workshop']],
    ['-price', ['Glaze Workshop', 'Tandem', 'City Bike', 'Evening Yin', 'Morning Vinyasa']],
    ['newest', ['Glaze Workshop', 'Tandem', 'City Bike', 'Evening Yin', 'Morning Vinyasa']],
    ['title', ['City Bike', 'Evening Yin', 'Glaze Workshop', 'Morning Vinyasa', 'Tandem']],
  ])('sort=%s', async (sort, expected) => {
    const res = await h.http.get('/api/offerings').query({ sort });
    expect(titles(res)).toEqual(expected);
  });

  it('pages with a total', async () => {
    const pages = await Promise.all(
      [1, 2, 3, 4].map((page) => h.http.get('/api/offerings').query({ pageSize: 2, page, sort: 'price' })),
    );
    expect(pages.map(titles)).toEqual([
      ['Morning Vinyasa', 'Evening Yin'],
      ['City Bike', 'Tandem'],
      ['Glaze Workshop'],
      [],
    ]);
    for (const [i, p] of pages.entries()) expect(p.body).toMatchObject({ total: 5, page: i + 1, pageSize: 2 });
    const filtered = await h.http.get('/api/offerings').query({ kind: 'service', pageSize: 1, page: 2 });
    expect(titles(filtered)).toEqual(['Glaze Workshop']);
    expect(filtered.body.total).toBe(3);
  });

  it('availableFrom/availableTo keep only what has something bookable in the range', async () => {
    const later = await h.http
      .get('/api/offerings')
      .query({ availableFrom: iso(t0 + 3 * DAY), availableTo: iso(t0 + 5 * DAY) });
    expect(later.status, later.text).toBe(200);
    // Glaze Workshop books one day ahead at most; the Tandem has no stock
    expect(titles(later)).toEqual(['City Bike', 'Evening Yin', 'Morning Vinyasa']);
    expect(later.body.total).toBe(3);

    const soon = await h.http
      .get('/api/offerings')
      .query({ availableFrom: iso(t0 + 2 * 3_600_000), availableTo: iso(t0 + 20 * 3_600_000) });
    expect(titles(soon)).toEqual(['City Bike', 'Evening Yin', 'Glaze Workshop', 'Morning Vinyasa']);

    const onlyFrom = await h.http
      .get('/api/offerings')
      .query({ availableFrom: iso(t0 + 3 * DAY), kind: 'service', sort: '-price', pageSize: 1 });
    expect(titles(onlyFrom)).toEqual(['Evening Yin']);
    expect(onlyFrom.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
  });
});

describe('offering detail and availability', () => {
  it('a service shows its slots with the seats left', async () => {
    const res = await h.http.get(`/api/offerings/${o.yin}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: o.yin,
      title: 'Evening Yin',
      kind: 'service',
      status: 'published',
      seatsPerSlot: 3,
    });
    expect(res.body).not.toHaveProperty('searchText');
    expect(res.body).not.toHaveProperty('_id');
    expect(res.body.range).toEqual({ from: iso(clock.now().getTime()), to: iso(clock.now().getTime() + 7 * DAY) });
    const slots = res.body.slots as { start: string; end: string; seats: number; seatsLeft: number }[];
    expect(slots.length).toBeGreaterThan(100);
    for (const s of slots) {
      expect(Date.parse(s.end) - Date.parse(s.start)).toBe(3_600_000);
      expect(s.seats).toBe(3);
      expect(s.seatsLeft).toBe(s.start === yinSlot ? 1 : 3);
    }
  });

  it('from/to choose the slots shown', async () => {
    const from = yinSlot;
    const to = iso(Date.parse(yinSlot) + 3 * 3_600_000);
    const res = await h.http.get(`/api/offerings/${o.yin}`).query({ from, to });
    expect(res.body.range).toEqual({ from, to });
    expect(res.body.slots.map((s: { seatsLeft: number }) => s.seatsLeft)).toEqual([1, 3, 3]);
  });

  it('a product shows what is available (stock less what is held)', async () => {
    const bike = await h.http.get(`/api/offerings/${o.bike}`);
    expect(bike.body).toMatchObject({ kind: 'product', available: 3 });
    expect(bike.body).not.toHaveProperty('slots');
    const tandem = await h.http.get(`/api/offerings/${o.tandem}`);
    expect(tandem.body.available).toBe(0);
  });

  it('an unknown or malformed id is a 404', async () => {
    for (const id of [randomUUID(), 'not-an-id', encodeURIComponent('{"$ne":null}')]) {
      expectProblem(await h.http.get(`/api/offerings/${id}`), 404, 'not-found');
    }
  });
});

describe('unpublished offerings', () => {
  it.each([
    ['anonymous', null, 404],
    ['a customer', ALICE, 404],
    ['another provider', HARBOR, 404],
    ['its provider', LUMEN, 200],
    ['an admin', ADMIN, 200],
  ] as const)('a draft seen by %s: %i', async (_label, user, status) => {
    const res = await h.http.get(`/api/offerings/${o.draft}`).set(user ? h.auth(user) : {});
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body).toMatchObject({ id: o.draft, status: 'draft', title: 'Secret Draft' });
    else expectProblem(res, 404, 'not-found');
  });

  it('a retired offering is gone for the public', async () => {
    expectProblem(await h.http.get(`/api/offerings/${o.retired}`), 404, 'not-found');
    expect((await h.http.get(`/api/offerings/${o.retired}`).set(h.auth(KILN))).body.status).toBe('retired');
  });

  it('the public catalog never lists drafts, whoever asks', async () => {
    for (const user of [null, LUMEN, ADMIN]) {
      const res = await h.http
        .get('/api/offerings')
        .query({ pageSize: 100 })
        .set(user ? h.auth(user) : {});
      expect(ids(res)).not.toContain(o.draft);
      expect(ids(res)).not.toContain(o.retired);
    }
  });

  it('a provider lists all of its own offerings, and only its own', async () => {
    const lumen = await h.http.get('/api/provider/offerings').set(h.auth(LUMEN));
    expect(lumen.status).toBe(200);
    expect(new Set(titles(lumen))).toEqual(new Set(['Morning Vinyasa', 'Evening Yin', 'Secret Draft']));
    expect(lumen.body.total).toBe(3);
    const drafts = await h.http.get('/api/provider/offerings').query({ status: 'draft' }).set(h.auth(LUMEN));
    expect(titles(drafts)).toEqual(['Secret Draft']);
    const harbor = await h.http.get('/api/provider/offerings').set(h.auth(HARBOR));
    expect(new Set(titles(harbor))).toEqual(new Set(['City Bike', 'Tandem']));
    const kiln = await h.http.get('/api/provider/offerings').query({ status: 'retired' }).set(h.auth(KILN));
    expect(titles(kiln)).toEqual(['Old Kiln Tour']);
    expectProblem(await h.http.get('/api/provider/offerings').set(h.auth(ALICE)), 403, 'forbidden');
    expectProblem(await h.http.get('/api/provider/offerings'), 401, 'unauthorized');
  });
});

// ---------------------------------------------------------------------------------------
// query validation
// ---------------------------------------------------------------------------------------

describe('query validation', () => {
  const far = () => iso(t0 + 63 * DAY);
  it.each([
    ['/api/offerings?color=red', 'color'],
    ['/api/offerings?$where=1', '$where'],
    ['/api/offerings?q[$ne]=x', 'q[$ne]'],
    ['/api/offerings?q[$regex]=.*', 'q[$regex]'],
    ['/api/offerings?__proto__=x', '__proto__'],
    ['/api/offerings?q=a&q=b', 'q'],
    ['/api/offerings?q=', 'q'],
    ['/api/offerings?pageSize=1000', 'pageSize'],
    ['/api/offerings?pageSize=0', 'pageSize'],
    ['/api/offerings?pageSize=2.5', 'pageSize'],
    ['/api/offerings?page=0', 'page'],
    ['/api/offerings?page=abc', 'page'],
    ['/api/offerings?minPrice=-1', 'minPrice'],
    ['/api/offerings?maxPrice=ten', 'maxPrice'],
    ['/api/offerings?kind=event', 'kind'],
    ['/api/offerings?currency=eur', 'currency'],
    ['/api/offerings?sort=popularity', 'sort'],
    ['/api/offerings?sort[$natural]=1', 'sort[$natural]'],
    ['/api/offerings?availableFrom=tomorrow', 'availableFrom'],
    ['/api/offerings?availableTo=2030-02-30T00:00:00Z', 'availableTo'],
    ['/api/offerings/ID?from=yesterday', 'from'],
    ['/api/offerings/ID?limit=5', 'limit'],
    ['/api/offerings/ID?$where=1', '$where'],
    ['/api/me/bookings?status=BOGUS', 'status'],
    ['/api/me/bookings?offeringId=abc', 'offeringId'],
    ['/api/me/bookings?customerId=customer-bob', 'customerId'],
    ['/api/me/bookings?placedFrom=yesterday', 'placedFrom'],
    ['/api/me/bookings?pageSize=1000', 'pageSize'],
    ['/api/provider/bookings?providerId=provider-harbor-bikes', 'providerId'],
    ['/api/provider/offerings?status=deleted', 'status'],
    ['/api/admin/bookings?status=paid', 'status'],
    ['/api/admin/bookings?customerId[$ne]=x', 'customerId[$ne]'],
    ['/api/admin/bookings?$where=1', '$where'],
  ])('%s is a 400 naming %s', async (url, field) => {
    const user = url.startsWith('/api/me')
      ? ALICE
      : url.startsWith('/api/provider')
        ? LUMEN
        : url.startsWith('/api/admin')
          ? ADMIN
          : null;
    const res = await h.http.get(url.replace('ID', o.yin)).set(user ? h.auth(user) : {});
    expectFieldError(res, field);
  });

  it('a range over 62 days is a 400 naming its end', async () => {
    expectFieldError(
      await h.http.get('/api/offerings').query({ availableFrom: iso(t0), availableTo: far() }),
      'availableTo',
    );
    expectFieldError(await h.http.get(`/api/offerings/${o.yin}`).query({ from: iso(t0), to: far() }), 'to');
    expectFieldError(
      await h.http.get(`/api/offerings/${o.yin}`).query({ from: iso(t0 + 5 * DAY), to: iso(t0 + 68 * DAY) }),
      'to',
    );
    // 62 days exactly is fine
    expect((await h.http.get(`/api/offerings/${o.yin}`).query({ from: iso(t0), to: iso(t0 + 62 * DAY) })).status).toBe(
      200,
    );
  });

  it('a range that ends before it starts is a 400', async () => {
    expectFieldError(
      await h.http.get('/api/offerings').query({ availableFrom: iso(t0 + 2 * DAY), availableTo: iso(t0 + DAY) }),
      'availableTo',
    );
    expectFieldError(
      await h.http.get(`/api/offerings/${o.yin}`).query({ from: iso(t0 + DAY), to: iso(t0 + DAY) }),
      'to',
    );
  });
});

// ---------------------------------------------------------------------------------------
// bookings and payments
// ---------------------------------------------------------------------------------------

describe('booking lists are scoped to who asks', () => {
  it('a customer sees only their own bookings, newest first', async () => {
    const alice = await h.http.get('/api/me/bookings').set(h.auth(ALICE));
    expect(ids(alice)).toEqual([b.aliceBike, b.aliceYin]);
    expect(alice.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
    for (const item of alice.body.items) {
      expect(item.customerId).toBe(ALICE);
      expect(item).not.toHaveProperty('_id');
      expect(item).not.toHaveProperty('_pos');
    }
    expect(ids(await h.http.get('/api/me/bookings').set(h.auth(BOB)))).toEqual([b.bobVinyasa]);
    const nobody = await h.http.get('/api/me/bookings').set(h.auth(`customer-${randomUUID()}`));
    expect(nobody.body).toMatchObject({ items: [], total: 0 });
    const confirmed = await h.http.get('/api/me/bookings').query({ status: 'CONFIRMED' }).set(h.auth(ALICE));
    expect(ids(confirmed)).toEqual([b.aliceYin]);
    const byOffering = await h.http.get('/api/me/bookings').query({ offeringId: o.vinyasa }).set(h.auth(ALICE));
    expect(byOffering.body.total).toBe(0);
  });

  it('a provider sees only the bookings of its offerings', async () => {
    const lumen = await h.http.get('/api/provider/bookings').set(h.auth(LUMEN));
    expect(ids(lumen)).toEqual([b.bobVinyasa, b.aliceYin]);
    expect(lumen.body.total).toBe(2);
    expect(ids(await h.http.get('/api/provider/bookings').set(h.auth(HARBOR)))).toEqual([b.aliceBike]);
    expect((await h.http.get('/api/provider/bookings').set(h.auth(KILN))).body.total).toBe(0);
    const yinOnly = await h.http.get('/api/provider/bookings').query({ offeringId: o.yin }).set(h.auth(LUMEN));
    expect(ids(yinOnly)).toEqual([b.aliceYin]);
    // another provider's offering id does not widen the scope
    const foreign = await h.http.get('/api/provider/bookings').query({ offeringId: o.bike }).set(h.auth(LUMEN));
    expect(foreign.body.total).toBe(0);
  });

  it('an admin sees every booking and filters by status, customer and provider', async () => {
    const all = await h.http.get('/api/admin/bookings').set(h.auth(ADMIN));
    expect(new Set(ids(all))).toEqual(new Set([b.aliceYin, b.aliceBike, b.bobVinyasa]));
    const cases: [Record<string, string>, string[]][] = [
      [{ customerId: ALICE }, [b.aliceBike, b.aliceYin]],
      [{ status: 'PENDING' }, [b.bobVinyasa, b.aliceBike]],
      [{ status: 'CONFIRMED' }, [b.aliceYin]],
      [{ status: 'PENDING', customerId: ALICE }, [b.aliceBike]],
      [{ providerId: HARBOR }, [b.aliceBike]],
      [{ customerId: CAROL, status: 'PENDING' }, []],
      [{ placedFrom: iso(t0 + 8_500), placedTo: iso(t0 + 9_500) }, [b.aliceBike]],
    ];
    for (const [query, expected] of cases) {
      const res = await h.http.get('/api/admin/bookings').query(query).set(h.auth(ADMIN));
      expect(ids(res), JSON.stringify(query)).toEqual(expected);
      expect(res.body.total).toBe(expected.length);
    }
    const paged = await h.http
      .get('/api/admin/bookings')
      .query({ customerId: ALICE, pageSize: 1, page: 2 })
      .set(h.auth(ADMIN));
    expect(ids(paged)).toEqual([b.aliceYin]);
    expect(paged.body.total).toBe(2);
  });

  it.each([
    ['/api/me/bookings', [LUMEN, ADMIN]],
    ['/api/provider/bookings', [ALICE, ADMIN]],
    ['/api/admin/bookings', [ALICE, LUMEN]],
  ] as const)('%s: 401 anonymous, 403 for other roles', async (url, others) => {
    expectProblem(await h.http.get(url), 401, 'unauthorized');
    for (const user of others) expectProblem(await h.http.get(url).set(h.auth(user)), 403, 'forbidden');
  });
});

describe('a single booking or payment', () => {
  it.each([
    ['its customer', ALICE, 200],
    ['another customer', BOB, 404],
    ['its provider', LUMEN, 200],
    ['another provider', KILN, 404],
    ['an admin', ADMIN, 200],
  ] as const)('seen by %s: %i', async (_label, user, status) => {
    const booking = await h.http.get(`/api/bookings/${b.aliceYin}`).set(h.auth(user));
    const payment = await h.http.get(`/api/payments/${b.aliceYin}`).set(h.auth(user));
    expect([booking.status, payment.status]).toEqual([status, status]);
    if (status === 200) {
      expect(booking.body).toMatchObject({
        id: b.aliceYin,
        customerId: ALICE,
        providerId: LUMEN,
        status: 'CONFIRMED',
        quantity: 2,
        total: { amount: 4000, currency: 'EUR' },
        payment: { status: 'SUCCEEDED' },
      });
      expect(payment.body).toMatchObject({
        id: b.aliceYin,
        bookingId: b.aliceYin,
        customerId: ALICE,
        status: 'SUCCEEDED',
        amount: { amount: 4000, currency: 'EUR' },
      });
      expect(booking.body).not.toHaveProperty('_id');
    } else {
      expectProblem(booking, 404, 'not-found');
      expectProblem(payment, 404, 'not-found');
    }
  });

  it("someone else's booking answers exactly like a missing one", async () => {
    const strip = (r: ProblemResponse) => ({ ...r.body, instance: undefined, correlationId: undefined });
    const hidden = await h.http.get(`/api/bookings/${b.aliceYin}`).set(h.auth(BOB));
    const missing = await h.http.get(`/api/bookings/${randomUUID()}`).set(h.auth(BOB));
    expect(strip(hidden)).toEqual(strip(missing));
    const hiddenPayment = await h.http.get(`/api/payments/${b.aliceYin}`).set(h.auth(BOB));
    const missingPayment = await h.http.get(`/api/payments/${randomUUID()}`).set(h.auth(BOB));
    expect(strip(hiddenPayment)).toEqual(strip(missingPayment));
  });

  it('anonymous is a 401; a booking without a payment has no payment document', async () => {
    expectProblem(await h.http.get(`/api/bookings/${b.aliceYin}`), 401, 'unauthorized');
    expectProblem(await h.http.get(`/api/payments/${b.aliceYin}`), 401, 'unauthorized');
    expectProblem(await h.http.get(`/api/payments/${b.bobVinyasa}`).set(h.auth(BOB)), 404, 'not-found');
  });
});

// ---------------------------------------------------------------------------------------
// read-your-writes
// ---------------------------------------------------------------------------------------

describe('read-your-writes', () => {
  it('x-min-position from a command response returns the new state on the first read', async () => {
    for (let i = 0; i < 5; i++) {
      const changed = await h.http
        .patch(`/api/offerings/${o.draft}`)
        .set(h.auth(LUMEN))
        .send({ description: `revision ${i}` });
      expect(changed.status).toBe(200);
      const read = await h.http
        .get(`/api/offerings/${o.draft}`)
        .set(h.auth(LUMEN))
        .set('x-min-position', changed.headers['x-event-position']!);
      expect(read.status).toBe(200);
      expect(read.body.description).toBe(`revision ${i}`);
    }
  });

  it('so does the minPosition query parameter', async () => {
    const changed = await h.http
      .patch(`/api/offerings/${o.draft}`)
      .set(h.auth(LUMEN))
      .send({ description: 'by query' });
    const read = await h.http
      .get(`/api/offerings/${o.draft}`)
      .query({ minPosition: changed.body.position })
      .set(h.auth(LUMEN));
    expect(read.status, read.text).toBe(200);
    expect(read.body.description).toBe('by query');
    const list = await h.http
      .get('/api/provider/offerings')
      .query({ minPosition: changed.body.position, status: 'draft' })
      .set(h.auth(LUMEN));
    expect(list.status, list.text).toBe(200);
    expect(list.body.items[0].description).toBe('by query');
  });

  it('a new booking is readable at once', async () => {
    const booked = await h.http.post('/api/bookings').set(h.auth(CAROL)).send({ offeringId: o.bike, quantity: 1 });
    expect(booked.status).toBe(201);
    const read = await h.http
      .get(`/api/bookings/${booked.body.bookingId}`)
      .set(h.auth(CAROL))
      .set('x-min-position', booked.body.position);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'PENDING', quantity: 1, customerId: CAROL });
    const mine = await h.http.get('/api/me/bookings').set(h.auth(CAROL)).set('x-min-position', booked.body.position);
    expect(ids(mine)).toContain(booked.body.bookingId);
    expect(
      (await h.http.post(`/api/bookings/${booked.body.bookingId}/cancel`).set(h.auth(CAROL)).send({ reason: 'done' }))
        .status,
    ).toBe(200);
    await settle();
  });

  it('a fully booked slot stops counting as available at once (runs after the list tests: it adds a booking)', async () => {
    // the only seats of one Vinyasa hour: bob holds 1 of 2, carol takes the other
    const slot = (await h.http.get(`/api/bookings/${b.bobVinyasa}`).set(h.auth(BOB))).body.slot as {
      start: string;
      end: string;
    };
    const carol = await h.http
      .post('/api/bookings')
      .set(h.auth(CAROL))
      .send({ offeringId: o.vinyasa, slotStart: slot.start });
    expect(carol.status).toBe(201);
    const windowed = await h.http
      .get('/api/offerings')
      .query({ availableFrom: slot.start, availableTo: slot.end, kind: 'service' })
      .set('x-min-position', carol.body.position);
    expect(titles(windowed)).toEqual(['Evening Yin']);
    expect(
      (
        await h.http
          .post(`/api/bookings/${carol.body.bookingId}/cancel`)
          .set(h.auth(CAROL))
          .send({ reason: 'test over' })
      ).status,
    ).toBe(200);
    await settle();
  });

  it.each(['abc', '1.5', '-', '12/abc', '1e3', '123456789012345678901'])(
    'a malformed position (%s) is a 400 naming minPosition',
    async (position) => {
      expectFieldError(await h.http.get('/api/offerings').set('x-min-position', position), 'minPosition');
      expectFieldError(await h.http.get('/api/offerings').query({ minPosition: position }), 'minPosition');
    },
  );

  it('minPosition given twice is a 400', async () => {
    expectFieldError(await h.http.get('/api/offerings?minPosition=1&minPosition=2'), 'minPosition');
  });

  it('a position the read models have not reached is a 503 with Retry-After, after the configured bound', async () => {
    expect(h.config.readYourWritesTimeoutMs).toBe(100);
    // the projections hold still while a write (an Idempotency-Key's record) moves the head
    await h.platform.projections!.exclusive(async () => {
      await h.http.post('/api/bookings').set(h.auth(ALICE)).set('idempotency-key', randomUUID()).send({});
      const pending = formatPosition(await h.platform.eventStore.headPosition());
      for (const send of [
        () => h.http.get('/api/offerings').set('x-min-position', pending),
        () => h.http.get(`/api/offerings/${o.yin}`).query({ minPosition: pending }),
        () => h.http.get('/api/me/bookings').set(h.auth(ALICE)).set('x-min-position', pending),
      ]) {
        const started = Date.now();
        const res = await send();
        const took = Date.now() - started;
        expectProblem(res, 503, 'unavailable');
        expect(res.headers['retry-after']).toBe('1');
        expect(took).toBeGreaterThanOrEqual(90);
        expect(took).toBeLessThan(1500);
      }
    });
  });

  it('a position beyond the end of the event log is a 400 at once (no command ever returned it)', async () => {
    const head = await h.platform.eventStore.headPosition();
    const future = (head.commit + 1_000_000n).toString();
    expectFieldError(await h.http.get('/api/offerings').set('x-min-position', future), 'minPosition');
    expectFieldError(await h.http.get(`/api/offerings/${o.yin}`).query({ minPosition: future }), 'minPosition');
  });

  it('a position already reached answers at once', async () => {
    const head = formatPosition(await h.platform.eventStore.headPosition());
    const started = Date.now();
    const res = await h.http.get('/api/offerings').set('x-min-position', head);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(100);
  });
});

// ---------------------------------------------------------------------------------------
// operations
// ---------------------------------------------------------------------------------------

describe('health, readiness and projection status', () => {
  it('/health says ok and names the roles', async () => {
    const res = await h.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok', roles: ['command', 'read-api', 'projector', 'reactor'] });
  });

  it('/ready is ready once the projections have caught up', async () => {
    await settle();
    const head = formatPosition(await h.platform.eventStore.headPosition());
    const res = await h.http.get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ready',
      checks: {
        eventStore: { head },
        projections: { lag: '0', maxLag: 1000, lastError: null },
        reactors: { running: true, deadLetters: 0, lastError: null },
      },
    });
  });

  it('/api/status/projections shows the head, how far each projection got and the lag', async () => {
    await settle();
    const head = formatPosition(await h.platform.eventStore.headPosition());
    const res = await h.http.get('/api/status/projections');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ running: true, head, applied: head, lag: '0', lastError: null });
    const projections = res.body.projections as { name: string; position: string | null }[];
    expect(projections.map((p) => p.name)).toEqual(expect.arrayContaining(['offerings', 'capacity', 'bookings']));
    for (const p of projections) expect(p.position === null || /^\d+(\/\d+)?$/.test(p.position)).toBe(true);
    expect(projections.find((p) => p.name === 'bookings')!.position).toBe(head);
  });
});
