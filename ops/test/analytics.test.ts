/**
 * Analytics: totals of the pre-aggregated documents equal sums recomputed from the raw
 * events of a generated history of 10,000 bookings (refunds, cancellations, utm data); the
 * analyst API (grouping, CSV); the analyst role's reach; and a projection rebuild under
 * concurrent writes ending equal to a clean rebuild.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  eventCatalogue,
  START,
  type Doc,
  type DocumentStore,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import {
  analyticsProjector,
  bookingsProjector,
  capacityProjector,
  offeringsProjector,
  ProjectionRunner,
  RebuildRunningError,
  usersProjector,
  type FunnelDoc,
  type Projector,
  type RevenueDoc,
} from '@booking/projections';
import { appendAnalyticsHistory } from '../test-support/generate-analytics-history.js';
import { eventually, startHarness, tempDir, type Harness } from '../test-support/harness.js';

const BOOKINGS = 10_000;

async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after = START;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 5000 });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

async function caughtUp(h: Harness): Promise<void> {
  await eventually(
    async () => {
      const s = await h.platform.projections!.status();
      return s.lag === '0' && s.head === s.applied;
    },
    120_000,
    50,
  );
  await h.platform.projections!.flush();
}

/** A clean rebuild of `projectors` into a fresh in-memory store (one write per event, unless
 *  `exclusiveWriter` lets the runner merge counter increments). */
async function cleanRebuild(
  store: EventStore,
  projectors: Projector[],
  exclusiveWriter = false,
): Promise<DocumentStore> {
  const docs = new EmbeddedDocumentStore({ path: ':memory:' });
  const runner = new ProjectionRunner(store, docs, projectors, createLogger({ level: 'silent' }), { exclusiveWriter });
  await runner.start();
  const head = await store.headPosition();
  await runner.waitFor(head, 120_000);
  await runner.stop();
  return docs;
}

const strip = (docs: Doc[]) => docs.map(({ _pos, ...d }) => d).sort((a, b) => (a._id < b._id ? -1 : 1));

describe('analytics totals over 10,000 generated bookings', () => {
  let store: SqliteEventStore;
  let docs: DocumentStore;
  let events: RecordedEvent[];

  beforeAll(async () => {
    const dir = tempDir('analytics-');
    store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    await appendAnalyticsHistory(store, { bookings: BOOKINGS });
    // merged increments, checked against sums of the raw events below
    docs = await cleanRebuild(store, [analyticsProjector], true);
    events = await readEverything(store);
  }, 300_000);

  afterAll(async () => {
    await docs?.close();
    await store?.close();
  });

  it('revenue, funnel and attribution totals equal sums recomputed from the raw events', async () => {
    const gross = new Map<string, number>();
    const refunded = new Map<string, number>();
    const bySource = new Map<string, number>();
    const byCategory = new Map<string, number>();
    const cohort = new Map<
      string,
      { placed: number; paid: number; cancelled: number; expired: number; completed: number }
    >();
    const bookings = new Map<string, { day: string; source: string; category: string; paid: boolean }>();
    const category = new Map<string, string>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
    for (const r of events) {
      const e = eventCatalogue.decode<DomainEvent>(r);
      const day = r.metadata.recordedAt.slice(0, 10);
      if (e.type === 'OfferingCreated' || (e.type === 'OfferingDetailsChanged' && e.data.category))
        category.set(e.data.offeringId, e.data.category!);
      if (e.type === 'BookingPlaced') {
        bookings.set(e.data.bookingId, {
          day,
          source: e.data.attribution.utmSource ?? '(none)',
          category: category.get(e.data.offeringId)!,
          paid: false,
        });
        const c = cohort.get(day) ?? { placed: 0, paid: 0, cancelled: 0, expired: 0, completed: 0 };
        c.placed++;
        cohort.set(day, c);
      }
      const b = 'bookingId' in e.data ? bookings.get(e.data.bookingId as string) : undefined;
      if (e.type === 'BookingCancelled') cohort.get(b!.day)!.cancelled++;
      if (e.type === 'BookingExpired') cohort.get(b!.day)!.expired++;
      if (e.type === 'BookingCompleted') cohort.get(b!.day)!.completed++;
      if (e.type === 'PaymentSucceeded' || e.type === 'PaymentMarkedPaid') {
        add(gross, `${day}|${e.data.amount.currency}`, e.data.amount.amount);
        add(bySource, `${b!.source}|${e.data.amount.currency}`, e.data.amount.amount);
        add(byCategory, `${b!.category}|${e.data.amount.currency}`, e.data.amount.amount);
        if (!b!.paid) cohort.get(b!.day)!.paid++;
        b!.paid = true;
      }
      if (e.type === 'PaymentRefunded') {
        add(refunded, `${day}|${e.data.amount.currency}`, e.data.amount.amount);
        add(bySource, `${b!.source}|${e.data.amount.currency}`, -e.data.amount.amount);
        add(byCategory, `${b!.category}|${e.data.amount.currency}`, -e.data.amount.amount);
      }
    }
    expect(bookings.size).toBe(BOOKINGS);
    expect(refunded.size).toBeGreaterThan(50);

    const revenue = await docs.collection<RevenueDoc>('analytics_revenue').find({ dim: 'all' });
    const gotGross = new Map<string, number>();
    const gotRefunded = new Map<string, number>();
    for (const d of revenue) {
      if (d.gross) gotGross.set(`${d.day}|${d.currency}`, d.gross);
      if (d.refunded) gotRefunded.set(`${d.day}|${d.currency}`, d.refunded);
      expect(d.net).toBe((d.gross ?? 0) - (d.refunded ?? 0));
    }
    expect(gotGross).toEqual(gross);
    expect(gotRefunded).toEqual(refunded);

    const net = async (dim: string) => {
      const m = new Map<string, number>();
      for (const d of await docs.collection<RevenueDoc>('analytics_revenue').find({ dim }))
        add(m, `${d.key}|${d.currency}`, d.net);
      return m;
    };
    expect(await net('utmSource')).toEqual(bySource);
    expect(await net('category')).toEqual(byCategory);

    const funnel = await docs.collection<FunnelDoc>('analytics_funnel').find({ dim: 'all' });
    expect(
      new Map(
        funnel.map((d) => [
          d.day,
          { placed: d.placed, paid: d.paid, cancelled: d.cancelled, expired: d.expired, completed: d.completed },
        ]),
      ),
    ).toEqual(cohort);
    // every booking is in exactly one current status
    for (const d of funnel) expect(Object.values(d.status).reduce((a, b) => a + (b ?? 0), 0)).toBe(d.placed);
  });
});

describe('analyst API and projection rebuilds', () => {
  let h: Harness;
  let store: SqliteEventStore;

  beforeAll(async () => {
    const dir = tempDir('analytics-api-');
    store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    await appendAnalyticsHistory(store, { bookings: 1000, spacingMinutes: 130 });
    h = await startHarness({
      dataDir: dir,
      eventStore: store,
      env: { ROLES: 'projector,read-api', DEMO_DATA: 'false' },
      projectionDropGraceMs: 0,
      projectors: [offeringsProjector, capacityProjector, bookingsProjector, usersProjector, analyticsProjector],
    });
    await caughtUp(h);
  }, 300_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('serves revenue by month through the API, equal to the daily sums, for admins and analysts', async () => {
    const q = 'from=2029-12-01&to=2030-12-31';
    const byDay = await h.http.get(`/api/analytics/revenue?${q}&pageSize=10000`).set(h.auth('admin-root'));
    expect(byDay.status).toBe(200);
    const byMonth = await h.http.get(`/api/analytics/revenue?${q}&groupBy=month`).set(h.auth('analyst-ann'));
    expect(byMonth.status).toBe(200);
    const sum = (items: { currency: string; gross: number; net: number }[]) => {
      const m = new Map<string, number>();
      for (const i of items) m.set(i.currency, (m.get(i.currency) ?? 0) + i.net);
      return m;
    };
    expect(sum(byMonth.body.items)).toEqual(sum(byDay.body.items));
    expect(byMonth.body.items[0].period).toMatch(/^\d{4}-\d{2}$/);

    const funnel = await h.http
      .get(`/api/analytics/funnel?${q}&groupBy=week&dimension=utmSource`)
      .set(h.auth('analyst-ann'));
    expect(funnel.status).toBe(200);
    const row = funnel.body.items[0];
    expect(row).toMatchObject({ period: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), utmSource: expect.any(String) });
    expect(row.paidRate).toBeGreaterThan(0);
    expect(row.cancellationRate).toBeGreaterThan(0);
    expect(new Date(`${row.period}T00:00:00Z`).getUTCDay()).toBe(1);

    const slots = await h.http
      .get(`/api/analytics/slots?${q}&groupBy=month&dimension=offering`)
      .set(h.auth('analyst-ann'));
    expect(slots.status).toBe(200);
    expect(slots.body.items.length).toBeGreaterThan(0);
    for (const s of slots.body.items) expect(s.occupancy).toBeGreaterThan(0);

    const attribution = await h.http
      .get(`/api/analytics/attribution?${q}&groupBy=month&dimension=ttclid`)
      .set(h.auth('analyst-ann'));
    expect(attribution.status).toBe(200);
    expect(new Set(attribution.body.items.map((i: { ttclid: string }) => i.ttclid))).toEqual(new Set(['yes', 'no']));
    const bookings = await h.http
      .get(`/api/analytics/bookings?${q}&groupBy=month&providerId=provider-a`)
      .set(h.auth('analyst-ann'));
    expect(bookings.status).toBe(200);
    expect(bookings.body.items[0].status.CONFIRMED).toBeGreaterThan(0);
  });

  it('exports CSV with a header row', async () => {
    const res = await h.http
      .get('/api/analytics/funnel?from=2030-01-01&to=2030-01-31&groupBy=week&dimension=category&format=csv')
      .set(h.auth('analyst-ann'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'period,category,placed,paid,confirmed,completed,cancelled,expired,noShow,refunds,paidRate,completedRate,completedOfPaidRate,cancellationRate,expiryRate,avgLeadTimeMinutes',
    );
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(1)) expect(l.split(',')).toHaveLength(16);
    const empty = await h.http
      .get('/api/analytics/revenue?from=2001-01-01&to=2001-01-31&format=csv')
      .set(h.auth('admin-root'));
    expect(empty.text).toBe('period,currency,gross,refunded,net,payments,refunds\r\n');
  });

  it('lets the analyst role read aggregates only', async () => {
    const analyst = h.auth('analyst-ann');
    for (const url of [
      '/api/admin/bookings',
      '/api/admin/users',
      '/api/me/bookings',
      '/api/provider/bookings',
      '/api/offerings',
      '/api/admin/projections',
    ]) {
      expect((await h.http.get(url).set(analyst)).status, url).toBe(403);
    }
    expect((await h.http.post('/api/admin/projections/analytics/rebuild').set(analyst)).status).toBe(403);
    expect((await h.http.get('/api/analytics/revenue').set(h.auth('customer-alice'))).status).toBe(403);
    expect((await h.http.get('/api/analytics/revenue')).status).toBe(401);
    expect((await h.http.get('/api/analytics/revenue?from=2030-02-01&to=2030-01-01').set(analyst)).status).toBe(400);
  });

  it('rebuilds a projection under concurrent writes into new collections equal to a clean rebuild', async () => {
    const before = (
      await h.http.get('/api/analytics/revenue?from=2029-12-01&to=2030-12-31&pageSize=10000').set(h.auth('admin-root'))
    ).body;
    const started = await h.http.post('/api/admin/projections/analytics/rebuild').set(h.auth('admin-root'));
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ name: 'analytics', fromVersion: 1, toVersion: 2 });
    // a projector rebuilds with those sharing its collections (capacity writes `offerings`)
    const ops = h.platform.projectionOps!;
    expect(ops.rebuild('capacity').projectors.sort()).toEqual(['capacity', 'offerings']);
    expect(() => ops.rebuild('offerings')).toThrow(RebuildRunningError);
    // old collections keep serving while the rebuild runs
    const during = (
      await h.http.get('/api/analytics/revenue?from=2029-12-01&to=2030-12-31&pageSize=10000').set(h.auth('admin-root'))
    ).body;
    expect(during.total).toBe(before.total);
    const writes = appendAnalyticsHistory(store, { bookings: 300, start: '2030-06-01T00:00:00Z', concurrency: 4 });
    const second = await h.http.post('/api/admin/projections/bookings/rebuild').set(h.auth('admin-root'));
    expect(second.status).toBe(202);
    const list = await h.http.get('/api/admin/projections').set(h.auth('admin-root'));
    const running = list.body.projections.find((p: { name: string }) => p.name === 'bookings').rebuild;
    expect(running).toMatchObject({ total: expect.any(Number), done: expect.any(Number) });
    await writes;
    const done = await h.platform.projectionOps!.wait('analytics');
    expect(done).toMatchObject({ state: 'done', error: null });
    expect((await h.platform.projectionOps!.wait('bookings'))?.state).toBe('done');
    expect((await ops.wait('capacity'))?.state).toBe('done');
    await caughtUp(h);

    const after = await h.http.get('/api/admin/projections').set(h.auth('admin-root'));
    const analytics = after.body.projections.find((p: { name: string }) => p.name === 'analytics');
    expect(analytics.version).toBe(2);
    expect(analytics.collections).toContainEqual({ name: 'analytics_revenue', physical: 'analytics_revenue__v2' });

    const clean = await cleanRebuild(store, [
      offeringsProjector,
      capacityProjector,
      analyticsProjector,
      bookingsProjector,
    ]);
    const live = h.platform.documentStore;
    for (const c of [
      'analytics_revenue',
      'analytics_funnel',
      'analytics_bookings',
      'analytics_slots',
      'analytics_offerings',
      'bookings',
      'payments',
      'offerings',
      'capacity',
      'capacity_holds',
    ]) {
      expect(strip(await live.collection(c).find({})), c).toEqual(strip(await clean.collection(c).find({})));
    }
    // the old version's collections are gone
    const raw = (live as unknown as { inner: DocumentStore }).inner;
    expect(await raw.collection('analytics_revenue').count()).toBe(0);
    expect(await raw.collection('analytics_revenue__v2').count()).toBeGreaterThan(0);
    await clean.close();
  }, 300_000);
});
