/**
 * The analyst API: aggregates only, never a person. Reads the pre-aggregated analytics
 * documents of a UTC day range (`projections/src/analytics/`) and sums them in code into
 * day / ISO week / month buckets and, optionally, one dimension.
 *
 * Period rule (see the projector): revenue counts on the day of the payment (gross) and of
 * the refund (refunded); funnel, bookings and attribution conversions count in the cohort
 * of the day the booking was placed; slots on the day the slot starts.
 *
 * Filters: `key` (a value of `dimension`); `offeringId`, `providerId` and `category` with no
 * dimension or with the dimension they name or `offering` (offering documents carry their
 * provider and category); `currency` on revenue and attribution revenue (funnel: with
 * dimension=currency). Other combinations answer 400.
 *
 * Access: admin and analyst.
 */
import { Router, type Request, type Response } from 'express';
import { actorOf, parseInput, ValidationError, type Filter } from '@booking/shared-kernel';
import {
  ANALYTICS_STATUSES,
  type AnalyticsDimension,
  type FunnelDoc,
  type RevenueDoc,
  type SlotAnalyticsDoc,
} from '@booking/projections';
import { AnalyticsQuery, type Period } from './analytics-queries.js';
import { toCsv } from './csv.js';
import type { ReadApiDeps } from '../http/deps.js';

const DAY_MS = 86_400_000;
export const MAX_ANALYTICS_DAYS = 1100;
const UTM_DIMENSIONS: readonly AnalyticsDimension[] = ['utmSource', 'utmMedium', 'utmCampaign', 'ttclid'];

export function periodOf(day: string, groupBy: Period): string {
  if (groupBy === 'month') return day.slice(0, 7);
  if (groupBy === 'week') {
    const d = new Date(`${day}T00:00:00Z`);
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS);
    return monday.toISOString().slice(0, 10);
  }
  return day;
}

function dayRange(q: AnalyticsQuery, now: Date): { from: string; to: string } {
  const to = q.to ?? now.toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;
  if (Number.isNaN(span)) throw new ValidationError('from and to must be real days (YYYY-MM-DD)', 'from');
  if (span < 0) throw new ValidationError('to must not be before from', 'to');
  if (span >= MAX_ANALYTICS_DAYS) throw new ValidationError(`a range spans at most ${MAX_ANALYTICS_DAYS} days`, 'to');
  return { from, to };
}

type Kind = 'revenue' | 'funnel' | 'slots';

/** Which dimension documents to read, and the filter over them. */
function selection(
  q: AnalyticsQuery,
  kind: Kind,
  range: { from: string; to: string },
): { dim: string; filter: Filter } {
  const dim =
    q.dimension ??
    (q.offeringId
      ? 'offering'
      : q.providerId && q.category
        ? 'offering'
        : q.providerId
          ? 'provider'
          : q.category
            ? 'category'
            : q.currency && kind === 'funnel'
              ? 'currency'
              : 'all');
  const filter: Filter = { dim, day: { $gte: range.from, $lte: range.to } };
  if (q.key !== undefined) {
    if (!q.dimension) throw new ValidationError('key needs a dimension', 'key');
    filter.key = q.key;
  }
  const byField = (value: string | undefined, field: 'offeringId' | 'providerId' | 'category', ownDim: string) => {
    if (value === undefined) return;
    if (dim === ownDim) filter.key = value;
    else if (dim === 'offering' && field !== 'offeringId') filter[field] = value;
    else throw new ValidationError(`${field} cannot filter the ${dim} dimension`, field);
  };
  byField(q.offeringId, 'offeringId', 'offering');
  byField(q.providerId, 'providerId', 'provider');
  byField(q.category, 'category', 'category');
  if (q.currency !== undefined) {
    if (kind === 'revenue') filter.currency = q.currency;
    else if (dim === 'currency') filter.key = q.currency;
    else throw new ValidationError('currency filters revenue, or the funnel with dimension=currency', 'currency');
  }
  return { dim, filter };
}

const rate = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);

interface Query {
  q: AnalyticsQuery;
  range: { from: string; to: string };
  groupBy: Period;
}

function parse(req: Request, deps: ReadApiDeps): Query {
  actorOf(req, 'admin', 'analyst');
  const q = parseInput(AnalyticsQuery, req.query, 'query');
  return { q, range: dayRange(q, deps.clock.now()), groupBy: q.groupBy ?? 'day' };
}

function groupRows<D, R extends Record<string, unknown>>(
  docs: D[],
  keyOf: (d: D) => string,
  init: (d: D) => R,
  add: (row: R, d: D) => void,
): R[] {
  const rows = new Map<string, R>();
  for (const d of docs) {
    const k = keyOf(d);
    let row = rows.get(k);
    if (!row) rows.set(k, (row = init(d)));
    add(row, d);
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function send(res: Response, x: Query, rows: Record<string, unknown>[], columns: string[], name: string): void {
  const csv = x.q.format === 'csv';
  const pageSize = x.q.pageSize ?? (csv ? 10_000 : 100);
  const page = x.q.page ?? 1;
  const items = rows.slice((page - 1) * pageSize, page * pageSize);
  if (csv) {
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name}-${x.range.from}-${x.range.to}.csv"`);
    res.setHeader('x-total-count', String(rows.length));
    const extra = new Set<string>();
    for (const r of items)
      for (const [k, v] of Object.entries(r))
        if (v && typeof v === 'object')
          for (const [k2, v2] of Object.entries(v)) {
            if (v2 && typeof v2 === 'object') for (const k3 of Object.keys(v2)) extra.add(`${k}.${k2}.${k3}`);
            else extra.add(`${k}.${k2}`);
          }
    res.send(toCsv(items, [...columns, ...[...extra].sort()]));
    return;
  }
  res.json({
    ...x.range,
    groupBy: x.groupBy,
    dimension: x.q.dimension ?? null,
    items,
    total: rows.length,
    page,
    pageSize,
  });
}

function base(x: Query, period: string, key: string): { period: string; [k: string]: unknown } {
  return { period, ...(x.q.dimension ? { [x.q.dimension]: key } : {}) };
}

function baseColumns(x: Query): string[] {
  return ['period', ...(x.q.dimension ? [x.q.dimension] : [])];
}

export function analyticsRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  const revenueDocs = (f: Filter) => deps.docs.collection<RevenueDoc>('analytics_revenue').find(f);
  const funnelDocs = (f: Filter) => deps.docs.collection<FunnelDoc>('analytics_funnel').find(f);

  router.get('/analytics/revenue', async (req, res) => {
    const x = parse(req, deps);
    const { filter } = selection(x.q, 'revenue', x.range);
    const rows = groupRows(
      await revenueDocs(filter),
      (d) => `${periodOf(d.day, x.groupBy)}|${x.q.dimension ? d.key : ''}|${d.currency}`,
      (d) => ({
        ...base(x, periodOf(d.day, x.groupBy), d.key),
        currency: d.currency,
        gross: 0,
        refunded: 0,
        net: 0,
        payments: 0,
        refunds: 0,
      }),
      (r, d) => {
        r.gross += d.gross ?? 0;
        r.refunded += d.refunded ?? 0;
        r.net += d.net ?? 0;
        r.payments += d.payments ?? 0;
        r.refunds += d.refunds ?? 0;
      },
    );
    send(res, x, rows, [...baseColumns(x), 'currency', 'gross', 'refunded', 'net', 'payments', 'refunds'], 'revenue');
  });

  const funnelRows = async (x: Query) => {
    const { filter } = selection(x.q, 'funnel', x.range);
    return groupRows(
      await funnelDocs(filter),
      (d) => `${periodOf(d.day, x.groupBy)}|${x.q.dimension ? d.key : ''}`,
      (d) => ({
        ...base(x, periodOf(d.day, x.groupBy), d.key),
        placed: 0,
        paid: 0,
        confirmed: 0,
        completed: 0,
        cancelled: 0,
        expired: 0,
        noShow: 0,
        refunds: 0,
        leadTimeMinutesSum: 0,
        leadTimeCount: 0,
        status: Object.fromEntries(ANALYTICS_STATUSES.map((s) => [s, 0])) as Record<string, number>,
      }),
      (r, d) => {
        for (const f of [
          'placed',
          'paid',
          'confirmed',
          'completed',
          'cancelled',
          'expired',
          'noShow',
          'refunds',
          'leadTimeMinutesSum',
          'leadTimeCount',
        ] as const)
          r[f] += d[f] ?? 0;
        for (const s of ANALYTICS_STATUSES) r.status[s]! += d.status?.[s] ?? 0;
      },
    );
  };

  router.get('/analytics/funnel', async (req, res) => {
    const x = parse(req, deps);
    const rows = (await funnelRows(x)).map(({ status: _s, leadTimeMinutesSum, leadTimeCount, ...r }) => ({
      ...r,
      paidRate: rate(r.paid, r.placed),
      completedRate: rate(r.completed, r.placed),
      completedOfPaidRate: rate(r.completed, r.paid),
      cancellationRate: rate(r.cancelled, r.placed),
      expiryRate: rate(r.expired, r.placed),
      avgLeadTimeMinutes: leadTimeCount > 0 ? Math.round(leadTimeMinutesSum / leadTimeCount) : null,
    }));
    send(
      res,
      x,
      rows,
      [
        ...baseColumns(x),
        'placed',
        'paid',
        'confirmed',
        'completed',
        'cancelled',
        'expired',
        'noShow',
        'refunds',
        'paidRate',
        'completedRate',
        'completedOfPaidRate',
        'cancellationRate',
        'expiryRate',
        'avgLeadTimeMinutes',
      ],
      'funnel',
    );
  });

  router.get('/analytics/bookings', async (req, res) => {
    const x = parse(req, deps);
    const rows = (await funnelRows(x)).map((r) => ({
      ...base(x, r.period as string, x.q.dimension ? ((r as Record<string, unknown>)[x.q.dimension] as string) : ''),
      placed: r.placed,
      status: r.status,
      cancellationRate: rate(r.cancelled, r.placed),
      expiryRate: rate(r.expired, r.placed),
    }));
    send(
      res,
      x,
      rows,
      [...baseColumns(x), 'placed', ...ANALYTICS_STATUSES.map((s) => `status.${s}`), 'cancellationRate', 'expiryRate'],
      'bookings',
    );
  });

  router.get('/analytics/attribution', async (req, res) => {
    const x = parse(req, deps);
    x.q.dimension ??= 'utmSource';
    if (!UTM_DIMENSIONS.includes(x.q.dimension))
      throw new ValidationError(`attribution groups by ${UTM_DIMENSIONS.join(', ')}`, 'dimension');
    const funnel = await funnelRows({ ...x, q: { ...x.q, currency: undefined } as AnalyticsQuery });
    const { filter } = selection(x.q, 'revenue', x.range);
    const revenue = await revenueDocs(filter);
    const dim = x.q.dimension;
    const rows = new Map<
      string,
      Record<string, unknown> & {
        placed: number;
        conversions: number;
        revenue: Record<string, { gross: number; refunded: number; net: number }>;
      }
    >();
    const row = (period: string, key: string) => {
      const k = `${period}|${key}`;
      let r = rows.get(k);
      if (!r) rows.set(k, (r = { period, [dim]: key, placed: 0, conversions: 0, revenue: {} }));
      return r;
    };
    for (const f of funnel) {
      const r = row(f.period as string, (f as Record<string, unknown>)[dim] as string);
      r.placed += f.placed;
      r.conversions += f.paid;
    }
    for (const d of revenue) {
      const r = row(periodOf(d.day, x.groupBy), d.key);
      const m = (r.revenue[d.currency] ??= { gross: 0, refunded: 0, net: 0 });
      m.gross += d.gross ?? 0;
      m.refunded += d.refunded ?? 0;
      m.net += d.net ?? 0;
    }
    const items = [...rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, r]) => ({ ...r, conversionRate: rate(r.conversions, r.placed) }));
    send(res, x, items, ['period', dim, 'placed', 'conversions', 'conversionRate'], 'attribution');
  });

  router.get('/analytics/slots', async (req, res) => {
    const x = parse(req, deps);
    const dim = x.q.dimension;
    if (dim && !['offering', 'provider', 'category'].includes(dim))
      throw new ValidationError('slots group by offering, provider or category', 'dimension');
    if (x.q.currency) throw new ValidationError('slots have no currency', 'currency');
    const filter: Filter = { day: { $gte: x.range.from, $lte: x.range.to } };
    if (x.q.offeringId) filter.offeringId = x.q.offeringId;
    if (x.q.providerId) filter.providerId = x.q.providerId;
    if (x.q.category) filter.category = x.q.category;
    const field =
      dim === 'offering' ? 'offeringId' : dim === 'provider' ? 'providerId' : dim === 'category' ? 'category' : null;
    if (x.q.key !== undefined) {
      if (!field) throw new ValidationError('key needs a dimension', 'key');
      filter[field] = x.q.key;
    }
    const docs = await deps.docs.collection<SlotAnalyticsDoc>('analytics_slots').find(filter);
    const rows = groupRows(
      docs,
      (d) => `${periodOf(d.day, x.groupBy)}|${field ? d[field] : ''}`,
      (d) => ({
        ...base(x, periodOf(d.day, x.groupBy), field ? String(d[field]) : ''),
        slots: 0,
        seats: 0,
        capacity: 0,
        occupancy: null as number | null,
      }),
      (r, d) => {
        if (!d.seatsPerSlot) return;
        r.slots += 1;
        r.seats += d.seats ?? 0;
        r.capacity += d.seatsPerSlot;
        r.occupancy = rate(r.seats, r.capacity);
      },
    );
    send(res, x, rows, [...baseColumns(x), 'slots', 'seats', 'capacity', 'occupancy'], 'slots');
  });

  return router;
}
