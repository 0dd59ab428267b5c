/**
 * Every command endpoint refuses what it must refuse, as problem+json with a stable type
 * (and the field at fault for validation), and appends nothing when it does: missing and
 * mistyped fields, zero and negative quantities, unknown (mass-assigned) fields, unknown
 * and malformed ids, bodies that are not JSON, malformed or too large, bad tokens and
 * wrong roles.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPosition, ManualClock, mintToken, PROBLEM_BASE, type UserRole } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';

type Method = 'post' | 'put' | 'patch';
type Body = Record<string, unknown>;

const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const LUMEN = 'provider-lumen-yoga';
const HARBOR = 'provider-harbor-bikes';
const KILN = 'provider-kiln-ceramics';
const ADMIN = 'admin-ada';

let h: Harness;
let clock: ManualClock;
/** ids made in beforeAll */
const f = {
  service: '',
  product: '',
  slots: [] as string[],
  /** alice's service booking, PENDING, with a STARTED sandbox payment (same id) */
  pending: '',
  /** alice's service booking, paid and CONFIRMED (payment has the same id) */
  paid: '',
};

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/** Waits until projections and reactors have handled everything in the store. */
async function settle(harness: Harness): Promise<void> {
  await eventually(async () => {
    const head = formatPosition(await harness.platform.eventStore.headPosition());
    const projections = await harness.platform.projections!.status();
    const reactors = harness.platform.reactors!.status().reactors;
    const again = formatPosition(await harness.platform.eventStore.headPosition());
    return head === again && projections.applied === head && reactors.every((r) => r.position === head);
  }, 5000);
}

/** Runs `fn` and fails if anything at all was appended to the event store meanwhile. */
async function expectNothingAppended<T>(harness: Harness, fn: () => Promise<T>): Promise<T> {
  const before = formatPosition(await harness.platform.eventStore.headPosition());
  const result = await fn();
  const after = formatPosition(await harness.platform.eventStore.headPosition());
  expect(after, 'the event store head moved').toBe(before);
  return result;
}

interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: {
    type: string;
    status: number;
    code: string;
    title: string;
    detail: string;
    instance: string;
    errors?: { field: string; message: string }[];
    stack?: unknown;
  };
}

function expectProblem(res: ProblemResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body.code }, JSON.stringify(res.body)).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`${PROBLEM_BASE}${code}`);
  expect(res.body.status).toBe(status);
  expect(res.body.instance).toMatch(/^\/api\//);
  expect(res.body).not.toHaveProperty('stack');
}

function expectFieldError(res: ProblemResponse, field: string): void {
  expectProblem(res, 400, 'validation');
  expect(
    res.body.errors?.map((e) => e.field),
    JSON.stringify(res.body),
  ).toContain(field);
}

function headersFor(user: string | null): Record<string, string> {
  return user ? h.auth(user) : {};
}

function tokenWith(
  settings: { secret?: string; issuer?: string; expiresIn?: number },
  user: { id: string; role: string },
): string {
  return mintToken(
    {
      secret: settings.secret ?? h.config.jwtSecret,
      issuer: settings.issuer ?? h.config.jwtIssuer,
      expiresIn: settings.expiresIn,
    },
    { id: user.id, role: user.role as UserRole },
  );
}

interface Endpoint {
  name: string;
  method: Method;
  /** the path, for the fixture's id or for `id` */
  path(id?: string): string;
  /** who may call it on the fixture */
  user: string;
  /** a valid body; none for the endpoints that take none */
  body?: () => Body;
  /** roles that are refused with 403 before anything else */
  wrongRoles: string[];
  /** does the path name an aggregate (404 for unknown ids)? */
  hasId: boolean;
}

const validService = (): Body => ({
  kind: 'service',
  title: 'Sunrise Flow',
  category: 'yoga',
  price: { amount: 1800, currency: 'EUR' },
  seatsPerSlot: 4,
  schedule: alwaysOpenSchedule(),
  description: 'Gentle',
  location: { address: '1 Quai', city: 'Lyon', country: 'FR' },
});
const validProduct = (): Body => ({
  kind: 'product',
  title: 'Mug',
  category: 'ceramics',
  price: { amount: 2500, currency: 'EUR' },
  stock: 10,
});

const ENDPOINTS: Endpoint[] = [
  {
    name: 'POST /api/offerings',
    method: 'post',
    path: () => '/api/offerings',
    user: LUMEN,
    body: validService,
    wrongRoles: [ALICE],
    hasId: false,
  },
  {
    name: 'PATCH /api/offerings/:id',
    method: 'patch',
    path: (id = f.service) => `/api/offerings/${id}`,
    user: LUMEN,
    body: () => ({ title: 'Renamed' }),
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'PUT /api/offerings/:id/price',
    method: 'put',
    path: (id = f.service) => `/api/offerings/${id}/price`,
    user: LUMEN,
    body: () => ({ price: { amount: 2100, currency: 'EUR' } }),
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'PUT /api/offerings/:id/schedule',
    method: 'put',
    path: (id = f.service) => `/api/offerings/${id}/schedule`,
    user: LUMEN,
    body: () => ({ schedule: alwaysOpenSchedule() }),
    wrongRoles: [BOB],
    hasId: true,
  },
  {
    name: 'PUT /api/offerings/:id/seats',
    method: 'put',
    path: (id = f.service) => `/api/offerings/${id}/seats`,
    user: LUMEN,
    body: () => ({ seatsPerSlot: 6 }),
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'PUT /api/offerings/:id/stock',
    method: 'put',
    path: (id = f.product) => `/api/offerings/${id}/stock`,
    user: KILN,
    body: () => ({ stock: 12 }),
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'POST /api/offerings/:id/publish',
    method: 'post',
    path: (id = f.service) => `/api/offerings/${id}/publish`,
    user: LUMEN,
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'POST /api/offerings/:id/retire',
    method: 'post',
    path: (id = f.service) => `/api/offerings/${id}/retire`,
    user: LUMEN,
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'POST /api/bookings',
    method: 'post',
    path: () => '/api/bookings',
    user: ALICE,
    body: () => ({ offeringId: f.service, slotStart: f.slots[50] }),
    wrongRoles: [LUMEN, ADMIN],
    hasId: false,
  },
  {
    name: 'POST /api/bookings/:id/cancel',
    method: 'post',
    path: (id = f.pending) => `/api/bookings/${id}/cancel`,
    user: ALICE,
    body: () => ({ reason: 'change of plans' }),
    wrongRoles: [],
    hasId: true,
  },
  {
    name: 'POST /api/bookings/:id/reschedule',
    method: 'post',
    path: (id = f.paid) => `/api/bookings/${id}/reschedule`,
    user: ALICE,
    body: () => ({ slotStart: f.slots[60] }),
    wrongRoles: [],
    hasId: true,
  },
  {
    name: 'POST /api/bookings/:id/complete',
    method: 'post',
    path: (id = f.paid) => `/api/bookings/${id}/complete`,
    user: LUMEN,
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'POST /api/bookings/:id/no-show',
    method: 'post',
    path: (id = f.paid) => `/api/bookings/${id}/no-show`,
    user: LUMEN,
    wrongRoles: [ALICE],
    hasId: true,
  },
  {
    name: 'POST /api/bookings/:id/payment',
    method: 'post',
    path: (id = f.pending) => `/api/bookings/${id}/payment`,
    user: ALICE,
    wrongRoles: [LUMEN, ADMIN],
    hasId: true,
  },
  {
    name: 'POST /api/payments/:id/sandbox-confirm',
    method: 'post',
    path: (id = f.pending) => `/api/payments/${id}/sandbox-confirm`,
    user: ALICE,
    body: () => ({ cardNumber: '4242 4242 4242 4242' }),
    wrongRoles: [LUMEN, ADMIN],
    hasId: true,
  },
  {
    name: 'POST /api/payments/:id/mark-paid',
    method: 'post',
    path: (id = f.pending) => `/api/payments/${id}/mark-paid`,
    user: ADMIN,
    body: () => ({ reason: 'paid cash at the desk' }),
    wrongRoles: [ALICE, LUMEN],
    hasId: true,
  },
  {
    name: 'POST /api/payments/:id/refund',
    method: 'post',
    path: (id = f.paid) => `/api/payments/${id}/refund`,
    user: ADMIN,
    body: () => ({ reason: 'goodwill', amount: { amount: 100, currency: 'EUR' } }),
    wrongRoles: [ALICE, LUMEN],
    hasId: true,
  },
];
const byName = (name: string): Endpoint => {
  const ep = ENDPOINTS.find((e) => e.name === name);
  if (!ep) throw new Error(`no endpoint ${name}`);
  return ep;
};
const WITH_BODY = ENDPOINTS.filter((e) => e.body);
const WITH_ID = ENDPOINTS.filter((e) => e.hasId);
const WRONG_ROLE = ENDPOINTS.flatMap((e) => e.wrongRoles.map((role) => ({ ep: e, role })));

function request(ep: Endpoint, options: { id?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const req = h.http[ep.method](ep.path(options.id)).set(options.headers ?? {});
  const body = 'body' in options ? options.body : ep.body?.();
  return body === undefined ? req : req.send(body as object);
}

function omit(...keys: string[]) {
  return (b: Body): Body => {
    const copy = { ...b };
    for (const k of keys) delete copy[k];
    return copy;
  };
}
const merge =
  (extra: Body) =>
  (b: Body): Body => ({ ...b, ...extra });

// ---------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  clock = new ManualClock(new Date());
  h = await startHarness({ clock });
  const service = await h.http
    .post('/api/offerings')
    .set(h.auth(LUMEN))
    .send({ ...validService(), title: 'Fixture Flow', publish: true });
  expect(service.status).toBe(201);
  f.service = service.body.offeringId;
  const product = await h.http
    .post('/api/offerings')
    .set(h.auth(KILN))
    .send({ ...validProduct(), publish: true });
  expect(product.status).toBe(201);
  f.product = product.body.offeringId;
  const detail = await h.http
    .get(`/api/offerings/${f.service}`)
    .query({ to: new Date(clock.now().getTime() + 5 * 86_400_000).toISOString() })
    .set('x-min-position', product.body.position);
  f.slots = detail.body.slots.map((s: { start: string }) => s.start);
  expect(f.slots.length).toBeGreaterThan(70);

  const pending = await h.http
    .post('/api/bookings')
    .set(h.auth(ALICE))
    .send({ offeringId: f.service, slotStart: f.slots[40] });
  expect(pending.status).toBe(201);
  f.pending = pending.body.bookingId;
  expect((await h.http.post(`/api/bookings/${f.pending}/payment`).set(h.auth(ALICE))).status).toBe(201);

  const paid = await h.http
    .post('/api/bookings')
    .set(h.auth(ALICE))
    .send({ offeringId: f.service, slotStart: f.slots[41] });
  f.paid = paid.body.bookingId;
  expect((await h.http.post(`/api/bookings/${f.paid}/payment`).set(h.auth(ALICE))).status).toBe(201);
  const confirmed = await h.http
    .post(`/api/payments/${f.paid}/sandbox-confirm`)
    .set(h.auth(ALICE))
    .send({ cardNumber: '4242424242424242' });
  expect(confirmed.body.status).toBe('SUCCEEDED');
  await eventually(
    async () => (await h.http.get(`/api/bookings/${f.paid}`).set(h.auth(ALICE))).body.status === 'CONFIRMED',
  );
  await settle(h);
});

afterAll(async () => {
  await h?.stop();
});

// ---------------------------------------------------------------------------------------
// field validation
// ---------------------------------------------------------------------------------------

interface Case {
  endpoint: string;
  label: string;
  body: (valid: Body) => Body;
  field: string;
  user?: string;
  id?: () => string;
}

const CASES: Case[] = [
  // POST /api/offerings: missing and mistyped
  ...(
    [
      ['kind missing', omit('kind'), 'kind'],
      ['kind unknown', merge({ kind: 'event' }), 'kind'],
      ['kind a number', merge({ kind: 1 }), 'kind'],
      ['title missing', omit('title'), 'title'],
      ['title a number', merge({ title: 42 }), 'title'],
      ['title null', merge({ title: null }), 'title'],
      ['title an array', merge({ title: ['Yoga'] }), 'title'],
      ['title empty', merge({ title: '' }), 'title'],
      ['title too long', merge({ title: 'x'.repeat(201) }), 'title'],
      ['description a number', merge({ description: 5 }), 'description'],
      ['category missing', omit('category'), 'category'],
      ['category an operator object', merge({ category: { $ne: '' } }), 'category'],
      ['price missing', omit('price'), 'price'],
      ['price null', merge({ price: null }), 'price'],
      ['price a string', merge({ price: '18 EUR' }), 'price'],
      ['price a number', merge({ price: 1800 }), 'price'],
      ['price an empty array', merge({ price: [] }), 'price'],
      ['price an array of money', merge({ price: [{ amount: 1800, currency: 'EUR' }] }), 'price'],
      ['price.amount missing', merge({ price: { currency: 'EUR' } }), 'price.amount'],
      ['price.amount a string', merge({ price: { amount: '1800', currency: 'EUR' } }), 'price.amount'],
      ['price.amount a float', merge({ price: { amount: 18.5, currency: 'EUR' } }), 'price.amount'],
      ['price.amount null', merge({ price: { amount: null, currency: 'EUR' } }), 'price.amount'],
      ['price.amount negative', merge({ price: { amount: -1, currency: 'EUR' } }), 'price.amount'],
      ['price.amount beyond safe integers', merge({ price: { amount: 1e20, currency: 'EUR' } }), 'price.amount'],
      ['price.currency lower case', merge({ price: { amount: 1800, currency: 'eur' } }), 'price.currency'],
      ['price.currency a number', merge({ price: { amount: 1800, currency: 978 } }), 'price.currency'],
      ['seatsPerSlot zero', merge({ seatsPerSlot: 0 }), 'seatsPerSlot'],
      ['seatsPerSlot negative', merge({ seatsPerSlot: -2 }), 'seatsPerSlot'],
      ['seatsPerSlot a string', merge({ seatsPerSlot: '4' }), 'seatsPerSlot'],
      ['seatsPerSlot a float', merge({ seatsPerSlot: 1.5 }), 'seatsPerSlot'],
      ['seatsPerSlot too many', merge({ seatsPerSlot: 10_001 }), 'seatsPerSlot'],
      ['a service without seatsPerSlot', omit('seatsPerSlot'), 'seatsPerSlot'],
      ['a service without schedule', omit('schedule'), 'schedule'],
      ['a service with stock', merge({ stock: 5 }), 'stock'],
      ['schedule an array', merge({ schedule: [] }), 'schedule'],
      ['schedule a string', merge({ schedule: 'always' }), 'schedule'],
      [
        'schedule.durationMinutes zero',
        merge({ schedule: { ...alwaysOpenSchedule(), durationMinutes: 0 } }),
        'schedule.durationMinutes',
      ],
      [
        'schedule.durationMinutes a string',
        merge({ schedule: { ...alwaysOpenSchedule(), durationMinutes: '60' } }),
        'schedule.durationMinutes',
      ],
      [
        'schedule.slotIntervalMinutes negative',
        merge({ schedule: { ...alwaysOpenSchedule(), slotIntervalMinutes: -60 } }),
        'schedule.slotIntervalMinutes',
      ],
      [
        'schedule.timeZone unknown',
        merge({ schedule: { ...alwaysOpenSchedule(), timeZone: 'Mars/Olympus_Mons' } }),
        'schedule.timeZone',
      ],
      [
        'schedule.weeklyRules missing',
        merge({ schedule: omit('weeklyRules')(alwaysOpenSchedule()) }),
        'schedule.weeklyRules',
      ],
      ['publish a string', merge({ publish: 'yes' }), 'publish'],
      ['location without address', merge({ location: { city: 'Lyon' } }), 'location.address'],
      ['location an array', merge({ location: [] }), 'location'],
      ['location.lat out of range', merge({ location: { address: '1 Quai', lat: 91 } }), 'location.lat'],
      ['location.lat a string', merge({ location: { address: '1 Quai', lat: '45' } }), 'location.lat'],
      ['location.country lower case', merge({ location: { address: '1 Quai', country: 'fr' } }), 'location.country'],
      // unknown fields: no mass assignment, at any depth
      ['unknown field status', merge({ status: 'published' }), 'status'],
      ['unknown field id', merge({ id: randomUUID() }), 'id'],
      ['unknown field offeringId', merge({ offeringId: randomUUID() }), 'offeringId'],
      ['unknown field createdAt', merge({ createdAt: '2020-01-01T00:00:00Z' }), 'createdAt'],
      ['unknown field held', merge({ held: 0 }), 'held'],
      [
        'unknown nested field price.discount',
        merge({ price: { amount: 1800, currency: 'EUR', discount: 100 } }),
        'price.discount',
      ],
      [
        'unknown nested field schedule.capacity',
        merge({ schedule: { ...alwaysOpenSchedule(), capacity: 9 } }),
        'schedule.capacity',
      ],
      ['a provider naming another providerId', merge({ providerId: HARBOR }), 'providerId'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'POST /api/offerings', label, body, field })),
  ...(
    [
      ['a product without stock', omit('stock'), 'stock'],
      ['a product with negative stock', merge({ stock: -1 }), 'stock'],
      ['a product with stock as a string', merge({ stock: '10' }), 'stock'],
      ['a product with fractional stock', merge({ stock: 2.5 }), 'stock'],
      ['a product with too much stock', merge({ stock: 1_000_001 }), 'stock'],
      ['a product with seatsPerSlot', merge({ seatsPerSlot: 2 }), 'seatsPerSlot'],
      ['a product with a schedule', merge({ schedule: alwaysOpenSchedule() }), 'schedule'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/offerings',
    label,
    body: (_v) => body(validProduct()),
    field,
    user: KILN,
  })),
  {
    endpoint: 'POST /api/offerings',
    label: 'an admin without providerId',
    body: (v) => v,
    field: 'providerId',
    user: ADMIN,
  },
  {
    endpoint: 'POST /api/offerings',
    label: 'an admin with a numeric providerId',
    body: merge({ providerId: 7 }),
    field: 'providerId',
    user: ADMIN,
  },

  // PATCH /api/offerings/:id
  ...(
    [
      ['title a number', { title: 7 }, 'title'],
      ['title null', { title: null }, 'title'],
      ['title empty', { title: '' }, 'title'],
      ['description null', { description: null }, 'description'],
      ['description too long', { description: 'x'.repeat(5001) }, 'description'],
      ['category null', { category: null }, 'category'],
      ['category an array', { category: ['yoga'] }, 'category'],
      ['location a string', { location: 'Lyon' }, 'location'],
      ['location null', { location: null }, 'location'],
      ['location without address', { location: { city: 'Lyon' } }, 'location.address'],
      ['unknown field status', { title: 'X', status: 'retired' }, 'status'],
      ['unknown field providerId', { providerId: HARBOR }, 'providerId'],
      ['unknown field kind', { kind: 'product' }, 'kind'],
      ['unknown field price (has its own endpoint)', { price: { amount: 1, currency: 'EUR' } }, 'price'],
      ['unknown field seatsPerSlot', { seatsPerSlot: 1 }, 'seatsPerSlot'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'PATCH /api/offerings/:id', label, body: () => body, field })),

  // PUT .../price
  ...(
    [
      ['price missing', {}, 'price'],
      ['price null', { price: null }, 'price'],
      ['price an array', { price: [] }, 'price'],
      ['price.amount a string', { price: { amount: '10', currency: 'EUR' } }, 'price.amount'],
      ['price.amount negative', { price: { amount: -100, currency: 'EUR' } }, 'price.amount'],
      ['price.amount a float', { price: { amount: 0.5, currency: 'EUR' } }, 'price.amount'],
      ['price.currency missing', { price: { amount: 100 } }, 'price.currency'],
      ['price.currency other than the offering', { price: { amount: 100, currency: 'USD' } }, 'price.currency'],
      ['a flat amount instead of price', { amount: 100, currency: 'EUR' }, 'amount'],
      ['unknown field status', { price: { amount: 100, currency: 'EUR' }, status: 'draft' }, 'status'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'PUT /api/offerings/:id/price', label, body: () => body, field })),

  // PUT .../schedule
  ...(
    [
      ['schedule missing', {}, 'schedule'],
      ['schedule null', { schedule: null }, 'schedule'],
      ['schedule an array', { schedule: [alwaysOpenSchedule()] }, 'schedule'],
      [
        'schedule.durationMinutes a string',
        { schedule: { ...alwaysOpenSchedule(), durationMinutes: '60' } },
        'schedule.durationMinutes',
      ],
      [
        'schedule.slotIntervalMinutes zero',
        { schedule: { ...alwaysOpenSchedule(), slotIntervalMinutes: 0 } },
        'schedule.slotIntervalMinutes',
      ],
      [
        'schedule.minimumNoticeMinutes negative',
        { schedule: { ...alwaysOpenSchedule(), minimumNoticeMinutes: -1 } },
        'schedule.minimumNoticeMinutes',
      ],
      [
        'schedule.maxHorizonDays zero',
        { schedule: { ...alwaysOpenSchedule(), maxHorizonDays: 0 } },
        'schedule.maxHorizonDays',
      ],
      [
        'schedule.weeklyRules a string',
        { schedule: { ...alwaysOpenSchedule(), weeklyRules: 'daily' } },
        'schedule.weeklyRules',
      ],
      [
        'schedule.weeklyRules[0].weekday 8',
        {
          schedule: {
            ...alwaysOpenSchedule(),
            weeklyRules: [{ weekday: 8, windows: [{ start: '09:00', end: '10:00' }] }],
          },
        },
        'schedule.weeklyRules[0].weekday',
      ],
      ['unknown field seatsPerSlot', { schedule: alwaysOpenSchedule(), seatsPerSlot: 2 }, 'seatsPerSlot'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'PUT /api/offerings/:id/schedule',
    label,
    body: () => body,
    field,
  })),

  // PUT .../seats
  ...(
    [
      ['seatsPerSlot missing', {}, 'seatsPerSlot'],
      ['seatsPerSlot zero', { seatsPerSlot: 0 }, 'seatsPerSlot'],
      ['seatsPerSlot negative', { seatsPerSlot: -1 }, 'seatsPerSlot'],
      ['seatsPerSlot a string', { seatsPerSlot: '6' }, 'seatsPerSlot'],
      ['seatsPerSlot a float', { seatsPerSlot: 2.5 }, 'seatsPerSlot'],
      ['seatsPerSlot null', { seatsPerSlot: null }, 'seatsPerSlot'],
      ['seatsPerSlot an array', { seatsPerSlot: [6] }, 'seatsPerSlot'],
      ['seatsPerSlot too many', { seatsPerSlot: 10_001 }, 'seatsPerSlot'],
      ['unknown field status', { seatsPerSlot: 6, status: 'retired' }, 'status'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'PUT /api/offerings/:id/seats', label, body: () => body, field })),

  // PUT .../stock
  ...(
    [
      ['stock missing', {}, 'stock'],
      ['stock negative', { stock: -1 }, 'stock'],
      ['stock a string', { stock: '12' }, 'stock'],
      ['stock a float', { stock: 1.5 }, 'stock'],
      ['stock null', { stock: null }, 'stock'],
      ['stock too large', { stock: 1_000_001 }, 'stock'],
      ['unknown field held', { stock: 12, held: 0 }, 'held'],
      ['unknown field sold', { stock: 12, sold: 0 }, 'sold'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'PUT /api/offerings/:id/stock', label, body: () => body, field })),
  {
    endpoint: 'PUT /api/offerings/:id/stock',
    label: 'stock on a service',
    body: () => ({ stock: 3 }),
    field: 'stock',
    user: LUMEN,
    id: () => f.service,
  },

  // POST /api/bookings
  ...(
    [
      ['offeringId missing', omit('offeringId'), 'offeringId'],
      ['offeringId malformed', merge({ offeringId: 'not-a-uuid' }), 'offeringId'],
      ['offeringId a number', merge({ offeringId: 12 }), 'offeringId'],
      ['offeringId an operator object', merge({ offeringId: { $ne: null } }), 'offeringId'],
      ['quantity zero', merge({ quantity: 0 }), 'quantity'],
      ['quantity negative', merge({ quantity: -1 }), 'quantity'],
      ['quantity a string', merge({ quantity: '1' }), 'quantity'],
      ['quantity a float', merge({ quantity: 1.5 }), 'quantity'],
      ['quantity too many', merge({ quantity: 101 }), 'quantity'],
      ['slotStart not a date', merge({ slotStart: 'tomorrow at nine' }), 'slotStart'],
      ['slotStart a number', merge({ slotStart: 1_700_000_000_000 }), 'slotStart'],
      ['a service booking without slotStart', omit('slotStart'), 'slotStart'],
      ['attribution a string', merge({ attribution: 'tiktok' }), 'attribution'],
      ['attribution.utmSource a number', merge({ attribution: { utmSource: 5 } }), 'attribution.utmSource'],
      ['unknown attribution key', merge({ attribution: { gclid: 'x' } }), 'attribution.gclid'],
      ['unknown field status', merge({ status: 'CONFIRMED' }), 'status'],
      ['unknown field customerId', merge({ customerId: BOB }), 'customerId'],
      ['unknown field providerId', merge({ providerId: LUMEN }), 'providerId'],
      ['unknown field total', merge({ total: { amount: 1, currency: 'EUR' } }), 'total'],
      ['unknown field holdExpiresAt', merge({ holdExpiresAt: '2099-01-01T00:00:00Z' }), 'holdExpiresAt'],
      ['unknown field bookingId', merge({ bookingId: randomUUID() }), 'bookingId'],
    ] as const
  ).map(([label, body, field]): Case => ({ endpoint: 'POST /api/bookings', label, body, field })),
  {
    endpoint: 'POST /api/bookings',
    label: 'a product booking without quantity',
    body: () => ({ offeringId: f.product }),
    field: 'quantity',
  },
  {
    endpoint: 'POST /api/bookings',
    label: 'a product booking with slotStart',
    body: () => ({ offeringId: f.product, quantity: 1, slotStart: f.slots[5] }),
    field: 'slotStart',
  },

  // POST /api/bookings/:id/cancel
  ...(
    [
      ['reason missing', {}, 'reason'],
      ['reason empty', { reason: '' }, 'reason'],
      ['reason a number', { reason: 5 }, 'reason'],
      ['reason null', { reason: null }, 'reason'],
      ['reason too long', { reason: 'x'.repeat(501) }, 'reason'],
      ['unknown field status', { reason: 'x', status: 'CANCELLED' }, 'status'],
      ['unknown field refund', { reason: 'x', refund: true }, 'refund'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/bookings/:id/cancel',
    label,
    body: () => body,
    field,
  })),

  // POST /api/bookings/:id/reschedule
  ...(
    [
      ['slotStart missing', {}, 'slotStart'],
      ['slotStart not a date', { slotStart: 'soon' }, 'slotStart'],
      ['slotStart a number', { slotStart: 5 }, 'slotStart'],
      ['slotStart an invalid date', { slotStart: '2030-02-30T10:00:00Z' }, 'slotStart'],
      ['unknown field quantity', { slotStart: '2030-01-01T10:00:00Z', quantity: 3 }, 'quantity'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/bookings/:id/reschedule',
    label,
    body: () => body,
    field,
  })),

  // POST /api/payments/:id/sandbox-confirm
  ...(
    [
      ['cardNumber missing', {}, 'cardNumber'],
      ['cardNumber a number', { cardNumber: 4242424242424242 }, 'cardNumber'],
      ['cardNumber letters', { cardNumber: 'four two four two' }, 'cardNumber'],
      ['cardNumber too short', { cardNumber: '4242' }, 'cardNumber'],
      ['unknown field amount', { cardNumber: '4242424242424242', amount: { amount: 1, currency: 'EUR' } }, 'amount'],
      ['unknown field status', { cardNumber: '4242424242424242', status: 'SUCCEEDED' }, 'status'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/payments/:id/sandbox-confirm',
    label,
    body: () => body,
    field,
  })),

  // POST /api/payments/:id/mark-paid
  ...(
    [
      ['reason missing', {}, 'reason'],
      ['reason a number', { reason: 7 }, 'reason'],
      ['reason empty', { reason: '' }, 'reason'],
      ['unknown field amount', { reason: 'cash', amount: { amount: 1, currency: 'EUR' } }, 'amount'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/payments/:id/mark-paid',
    label,
    body: () => body,
    field,
  })),

  // POST /api/payments/:id/refund
  ...(
    [
      ['reason missing', { amount: { amount: 100, currency: 'EUR' } }, 'reason'],
      ['amount null', { reason: 'x', amount: null }, 'amount'],
      ['amount an array', { reason: 'x', amount: [] }, 'amount'],
      ['amount a number', { reason: 'x', amount: 100 }, 'amount'],
      ['amount.amount a string', { reason: 'x', amount: { amount: '100', currency: 'EUR' } }, 'amount.amount'],
      ['amount.amount zero', { reason: 'x', amount: { amount: 0, currency: 'EUR' } }, 'amount.amount'],
      ['amount.amount negative', { reason: 'x', amount: { amount: -500, currency: 'EUR' } }, 'amount.amount'],
      ['amount.currency lower case', { reason: 'x', amount: { amount: 100, currency: 'eur' } }, 'amount.currency'],
      [
        'amount.currency other than the payment',
        { reason: 'x', amount: { amount: 100, currency: 'USD' } },
        'amount.currency',
      ],
      ['unknown field paymentId', { reason: 'x', paymentId: randomUUID() }, 'paymentId'],
    ] as const
  ).map(([label, body, field]): Case => ({
    endpoint: 'POST /api/payments/:id/refund',
    label,
    body: () => body,
    field,
  })),
];

describe('field validation: 400 naming the field, nothing appended', () => {
  it.each(CASES.map((c) => [`${c.endpoint}: ${c.label}`, c] as const))('%s', async (_name, c) => {
    const ep = byName(c.endpoint);
    const res = await expectNothingAppended(h, () =>
      request(ep, {
        headers: headersFor(c.user ?? ep.user),
        body: c.body(ep.body!()),
        ...(c.id ? { id: c.id() } : {}),
      }),
    );
    expectFieldError(res, c.field);
  });

  it('every endpoint that takes a body has validation cases', () => {
    const covered = new Set(CASES.map((c) => c.endpoint));
    expect(WITH_BODY.map((e) => e.name).filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe('bodies that are not a JSON object', () => {
  it.each(ENDPOINTS.map((e) => [e.name, e] as const))('%s: a text/plain body is a 415', async (_n, ep) => {
    const res = await expectNothingAppended(h, () =>
      h.http[ep.method](ep.path())
        .set(h.auth(ep.user))
        .set('content-type', 'text/plain')
        .send(JSON.stringify(ep.body?.() ?? {})),
    );
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))('%s: a form-encoded body is a 415', async (_n, ep) => {
    const res = await expectNothingAppended(h, () =>
      h.http[ep.method](ep.path()).set(h.auth(ep.user)).type('form').send('a=1&status=published'),
    );
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it('a JSON body without a content type is a 415', async () => {
    const ep = byName('POST /api/bookings');
    const res = await expectNothingAppended(h, () =>
      h.http
        .post(ep.path())
        .set(h.auth(ALICE))
        .set('content-type', '')
        .send(Buffer.from(JSON.stringify(ep.body!()))),
    );
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it.each(WITH_BODY.map((e) => [e.name, e] as const))(
    '%s: a JSON array is refused (400, field body)',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () => request(ep, { headers: h.auth(ep.user), body: [ep.body!()] }));
      expectFieldError(res, 'body');
    },
  );

  it.each(WITH_BODY.map((e) => [e.name, e] as const))(
    '%s: no body at all is refused (400, field body)',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () => h.http[ep.method](ep.path()).set(h.auth(ep.user)));
      expectFieldError(res, 'body');
    },
  );

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))('%s: malformed JSON is a 400 malformed-json', async (_n, ep) => {
    const res = await expectNothingAppended(h, () =>
      h.http[ep.method](ep.path()).set(h.auth(ep.user)).set('content-type', 'application/json').send('{"reason": "x",'),
    );
    expectProblem(res, 400, 'malformed-json');
  });

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: a bare JSON scalar is a 400 malformed-json (strict JSON)',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () =>
        h.http[ep.method](ep.path()).set(h.auth(ep.user)).set('content-type', 'application/json').send('null'),
      );
      expectProblem(res, 400, 'malformed-json');
    },
  );

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: a body over MAX_BODY_BYTES (64 KiB) is a 413',
    async (_n, ep) => {
      expect(h.config.maxBodyBytes).toBe(64 * 1024);
      const huge = { ...(ep.body?.() ?? {}), padding: 'x'.repeat(h.config.maxBodyBytes + 1) };
      const res = await expectNothingAppended(h, () => request(ep, { headers: h.auth(ep.user), body: huge }));
      expectProblem(res, 413, 'payload-too-large');
    },
  );

  it('a body over the limit is a 413 even without a token', async () => {
    const res = await expectNothingAppended(h, () =>
      h.http.post('/api/bookings').send({ padding: 'x'.repeat(70_000) }),
    );
    expectProblem(res, 413, 'payload-too-large');
  });

  it('an unsupported charset is a 415', async () => {
    const ep = byName('POST /api/bookings');
    const res = await expectNothingAppended(h, () =>
      h.http
        .post(ep.path())
        .set(h.auth(ALICE))
        .set('content-type', 'application/json; charset=latin1')
        .send(JSON.stringify(ep.body!())),
    );
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe(`${PROBLEM_BASE}unsupported-encoding`);
  });

  it.each(WITH_BODY.map((e) => [e.name, e] as const))(
    '%s: a deeply nested body is a 400 naming the field, not a stack overflow',
    async (_n, ep) => {
      const depth = 5000;
      const raw = JSON.stringify({ ...ep.body!(), deep: 0 }).replace(
        '"deep":0',
        `"deep":${'['.repeat(depth)}${']'.repeat(depth)}`,
      );
      const res = await expectNothingAppended(h, () =>
        h.http[ep.method](ep.path()).set(h.auth(ep.user)).set('content-type', 'application/json').send(raw),
      );
      expectFieldError(res, 'deep');
    },
  );

  it('a "__proto__" key is an unknown field, not a prototype', async () => {
    const ep = byName('POST /api/bookings');
    const raw = `{"offeringId":"${f.service}","slotStart":"${f.slots[50]}","__proto__":{"status":"CONFIRMED"}}`;
    const res = await expectNothingAppended(h, () =>
      h.http.post(ep.path()).set(h.auth(ALICE)).set('content-type', 'application/json').send(raw),
    );
    expectFieldError(res, '__proto__');
  });
});

// ---------------------------------------------------------------------------------------
// ids
// ---------------------------------------------------------------------------------------

describe('unknown and malformed ids', () => {
  it.each(WITH_ID.map((e) => [e.name, e] as const))(
    '%s: a well-formed UUID that does not exist is a 404',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () => request(ep, { id: randomUUID(), headers: h.auth(ep.user) }));
      expectProblem(res, 404, 'not-found');
    },
  );

  const MALFORMED = [
    'not-a-uuid',
    '12345',
    'x'.repeat(300),
    encodeURIComponent('../offering'),
    'a%00b',
    encodeURIComponent('{"$ne":null}'),
  ];
  it.each(WITH_ID.flatMap((e) => MALFORMED.map((id) => [e.name, id.slice(0, 24), e, id] as const)))(
    '%s: malformed id %s is a 404',
    async (_n, _shown, ep, id) => {
      const res = await expectNothingAppended(h, () => request(ep, { id, headers: h.auth(ep.user) }));
      expectProblem(res, 404, 'not-found');
    },
  );

  it('POST /api/bookings: an offering that does not exist is a 404', async () => {
    const res = await expectNothingAppended(h, () =>
      h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId: randomUUID(), slotStart: f.slots[50] }),
    );
    expectProblem(res, 404, 'not-found');
  });

  it('POST /api/bookings: a total beyond safe integers is refused before any seat or unit is held', async () => {
    const pricey = await h.http
      .post('/api/offerings')
      .set(h.auth(KILN))
      .send({
        ...validProduct(),
        title: 'Priceless vase',
        price: { amount: 9_000_000_000_000_000, currency: 'EUR' },
        publish: true,
      });
    expect(pricey.status).toBe(201);
    await settle(h);
    const res = await expectNothingAppended(h, () =>
      h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId: pricey.body.offeringId, quantity: 2 }),
    );
    expectFieldError(res, 'amount');
  });

  it('POST /api/bookings: an unpublished offering is a 404 too', async () => {
    const draft = await h.http
      .post('/api/offerings')
      .set(h.auth(LUMEN))
      .send({ ...validService(), title: 'Draft only' });
    expect(draft.status).toBe(201);
    await settle(h);
    const res = await expectNothingAppended(h, () =>
      h.http
        .post('/api/bookings')
        .set(h.auth(ALICE))
        .send({ offeringId: draft.body.offeringId, slotStart: f.slots[50] }),
    );
    expectProblem(res, 404, 'not-found');
  });

  it('POST /api/payments/:id/refund: a payment id that is only a booking (never paid) is a 404', async () => {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth(BOB))
      .send({ offeringId: f.service, slotStart: f.slots[55] });
    expect(booked.status).toBe(201);
    await settle(h);
    const res = await expectNothingAppended(h, () =>
      h.http.post(`/api/payments/${booked.body.bookingId}/refund`).set(h.auth(ADMIN)).send({ reason: 'x' }),
    );
    expectProblem(res, 404, 'not-found');
  });
});

// ---------------------------------------------------------------------------------------
// authentication and roles
// ---------------------------------------------------------------------------------------

describe('authentication: 401 for a missing, invalid or expired token', () => {
  const kinds = ['missing', 'invalid', 'expired'] as const;
  const headersOf = (kind: (typeof kinds)[number], ep: Endpoint): Record<string, string> => {
    const user = { id: ep.user, role: ep.user.split('-')[0]! };
    if (kind === 'missing') return {};
    if (kind === 'invalid')
      return { authorization: `Bearer ${tokenWith({ secret: 'another-secret-that-is-long-enough-to-sign' }, user)}` };
    return { authorization: `Bearer ${tokenWith({ expiresIn: -60 }, user)}` };
  };

  it.each(ENDPOINTS.flatMap((e) => kinds.map((k) => [e.name, k, e] as const)))(
    '%s with a %s token',
    async (_n, kind, ep) => {
      const res = await expectNothingAppended(h, () => request(ep, { headers: headersOf(kind, ep) }));
      expectProblem(res, 401, 'unauthorized');
      if (kind === 'expired') expect(res.body.detail).toMatch(/expired/);
    },
  );

  it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
    '%s: a missing token with an Idempotency-Key is a 401 and appends nothing',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () =>
        request(ep, { headers: { 'idempotency-key': `anon-${randomUUID()}` } }),
      );
      expectProblem(res, 401, 'unauthorized');
    },
  );

  it.each(WITH_BODY.map((e) => [e.name, e] as const))(
    '%s: authentication comes before validation (no token and a bad body is a 401)',
    async (_n, ep) => {
      const res = await expectNothingAppended(h, () => request(ep, { body: { unexpected: true } }));
      expectProblem(res, 401, 'unauthorized');
    },
  );

  const BAD_TOKENS: [string, () => string][] = [
    ['a non-Bearer scheme', () => `Basic ${Buffer.from('alice:secret').toString('base64')}`],
    ['Bearer without a token', () => 'Bearer '],
    ['garbage', () => 'Bearer not.a.jwt'],
    ['another issuer', () => `Bearer ${tokenWith({ issuer: 'someone-else' }, { id: ALICE, role: 'customer' })}`],
    ['an unknown role', () => `Bearer ${tokenWith({}, { id: 'system-x', role: 'system' })}`],
    [
      'alg none',
      () => {
        const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: ADMIN, role: 'admin', iss: h.config.jwtIssuer })}.`;
      },
    ],
    [
      'a tampered role',
      () => {
        const [head, , sig] = h.token(ALICE).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            sub: ALICE,
            role: 'admin',
            iss: h.config.jwtIssuer,
            exp: Math.floor(Date.now() / 1000) + 600,
          }),
        ).toString('base64url');
        return `Bearer ${head}.${payload}.${sig}`;
      },
    ],
  ];
  it.each(BAD_TOKENS)('POST /api/payments/:id/refund with %s is a 401', async (_label, header) => {
    const ep = byName('POST /api/payments/:id/refund');
    const res = await expectNothingAppended(h, () => request(ep, { headers: { authorization: header() } }));
    expectProblem(res, 401, 'unauthorized');
  });
});

describe('roles: 403 for a role the endpoint does not serve', () => {
  it.each(WRONG_ROLE.map(({ ep, role }) => [ep.name, role, ep] as const))('%s as %s', async (_n, role, ep) => {
    const res = await expectNothingAppended(h, () => request(ep, { headers: h.auth(role) }));
    expectProblem(res, 403, 'forbidden');
  });

  it('a customer with an admin-looking id is still a customer', async () => {
    const ep = byName('POST /api/payments/:id/mark-paid');
    const res = await expectNothingAppended(h, () =>
      request(ep, { headers: { authorization: `Bearer ${tokenWith({}, { id: 'admin-ada', role: 'customer' })}` } }),
    );
    expectProblem(res, 403, 'forbidden');
  });
});

// ---------------------------------------------------------------------------------------
// endpoints without a body: whatever is sent is ignored, never assigned
// ---------------------------------------------------------------------------------------

describe('endpoints without a body ignore what is sent', () => {
  it('publish takes neither status nor providerId from the body', async () => {
    const draft = await h.http
      .post('/api/offerings')
      .set(h.auth(LUMEN))
      .send({ ...validService(), title: 'Publish me' });
    const published = await h.http
      .post(`/api/offerings/${draft.body.offeringId}/publish`)
      .set(h.auth(LUMEN))
      .send({ status: 'retired', providerId: HARBOR });
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');
    const view = await h.http
      .get(`/api/offerings/${draft.body.offeringId}`)
      .set('x-min-position', published.body.position);
    expect(view.body).toMatchObject({ status: 'published', providerId: LUMEN });
  });

  it('starting a payment takes the amount and customer from the booking: its body names only the method', async () => {
    const booked = await h.http.post('/api/bookings').set(h.auth(ALICE)).send({ offeringId: f.product, quantity: 2 });
    expect(booked.status).toBe(201);
    await settle(h);
    const forged = await expectNothingAppended(h, () =>
      h.http
        .post(`/api/bookings/${booked.body.bookingId}/payment`)
        .set(h.auth(ALICE))
        .send({ amount: { amount: 1, currency: 'EUR' }, customerId: BOB, status: 'SUCCEEDED' }),
    );
    for (const field of ['amount', 'customerId', 'status']) expectFieldError(forged, field);
    const started = await h.http
      .post(`/api/bookings/${booked.body.bookingId}/payment`)
      .set(h.auth(ALICE))
      .send({ method: 'card' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ amount: { amount: 5000, currency: 'EUR' }, status: 'STARTED' });
    const payment = await h.http
      .get(`/api/payments/${started.body.paymentId}`)
      .set(h.auth(ALICE))
      .set('x-min-position', started.body.position);
    expect(payment.body).toMatchObject({
      customerId: ALICE,
      status: 'STARTED',
      amount: { amount: 5000, currency: 'EUR' },
    });
  });
});
