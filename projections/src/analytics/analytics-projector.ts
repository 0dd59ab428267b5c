/**
 * Analytics read models: small pre-aggregated documents per UTC day and dimension, so the
 * analyst API only reads documents by day range and sums them in code (FerretDB has no
 * $lookup/$facet/date operators; nothing here needs them).
 *
 * Collections:
 * - `analytics_offerings`: the offering dimension (provider, category, kind, seats per slot).
 * - `analytics_bookings`: one fact document per booking with its fixed dimensions (cohort
 *   day, offering, provider, category, currency, utm_*, ttclid presence, slot) and its
 *   current status; no customer id, no personal data.
 * - `analytics_revenue`: `<day>|<dim>|<key>|<currency>`: gross, refunded, net, payments,
 *   refunds. The day is the day of the PAYMENT event (gross) or of the REFUND event
 *   (refunded): a refund months later lands in the refund's period, never rewrites the
 *   past.
 * - `analytics_funnel`: `<cohortDay>|<dim>|<key>`: placed, paid, confirmed, completed,
 *   cancelled, expired, noShow, refunds, current status counts, lead time sums. The day is
 *   the day the booking was PLACED (its cohort): a late cancellation or refund is counted
 *   in the booking's cohort, so conversion rates of a cohort can still move later.
 * - `analytics_slots`: `<offeringId>|<slotStart>`: seats of confirmed (and then completed
 *   or no-show) bookings in a service slot and the offering's seats per slot.
 *
 * Dimensions of a booking are fixed when it is placed (category as of placement).
 * Idempotency: every event writes each document at most once, with `upsertAt(.., pos)`;
 * the fact document remembers the status before the event it last applied, so replaying
 * that event recomputes the same transition.
 */
import type { Doc, DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';

export const ANALYTICS_DIMENSIONS = [
  'offering',
  'provider',
  'category',
  'currency',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'ttclid',
] as const;
export type AnalyticsDimension = (typeof ANALYTICS_DIMENSIONS)[number];
/** the value a missing utm parameter is reported as */
export const NONE = '(none)';
export const ANALYTICS_STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'COMPLETED', 'NO_SHOW'] as const;
type Status = (typeof ANALYTICS_STATUSES)[number];
/** statuses in which a booking occupies its seats */
const SEATED = new Set<Status | 'none'>(['CONFIRMED', 'COMPLETED', 'NO_SHOW']);

export interface AnalyticsOfferingDoc extends Doc {
  providerId: string;
  category: string;
  kind: string;
  title: string;
  seatsPerSlot: number | null;
}

export interface BookingFactDoc extends Doc {
  day: string;
  offeringId: string;
  providerId: string;
  category: string;
  currency: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  ttclid: 'yes' | 'no';
  kind: string;
  quantity: number;
  total: number;
  slotStart: string | null;
  status: Status;
  prevStatus: Status | 'none';
  paid: boolean;
  prevPaid: boolean;
}

export interface RevenueDoc extends Doc {
  day: string;
  dim: 'all' | AnalyticsDimension;
  key: string;
  currency: string;
  /** offering-dimension documents also carry their provider and category (for filters) */
  providerId?: string;
  category?: string;
  gross: number;
  refunded: number;
  net: number;
  payments: number;
  refunds: number;
}

export interface FunnelDoc extends Doc {
  day: string;
  dim: 'all' | AnalyticsDimension;
  key: string;
  providerId?: string;
  category?: string;
  placed: number;
  paid: number;
  confirmed: number;
  completed: number;
  cancelled: number;
  expired: number;
  noShow: number;
  refunds: number;
  /** current status of the cohort's bookings */
  status: Partial<Record<Status, number>>;
  leadTimeMinutesSum: number;
  leadTimeCount: number;
}

export interface SlotAnalyticsDoc extends Doc {
  day: string;
  offeringId: string;
  providerId: string;
  category: string;
  start: string;
  seatsPerSlot: number | null;
  /** seats of bookings in CONFIRMED, COMPLETED or NO_SHOW */
  seats: number;
}

export const ANALYTICS_COLLECTIONS = [
  'analytics_offerings',
  'analytics_bookings',
  'analytics_revenue',
  'analytics_funnel',
  'analytics_slots',
] as const;

const TYPES = new Set([
  'OfferingCreated',
  'OfferingDetailsChanged',
  'OfferingSeatsChanged',
  'BookingPlaced',
  'BookingConfirmed',
  'BookingRescheduled',
  'BookingCancelled',
  'BookingExpired',
  'BookingCompleted',
  'BookingMarkedNoShow',
  'PaymentSucceeded',
  'PaymentMarkedPaid',
  'PaymentRefunded',
]);

const STATUS_OF: Record<string, Status> = {
  BookingConfirmed: 'CONFIRMED',
  BookingCancelled: 'CANCELLED',
  BookingExpired: 'EXPIRED',
  BookingCompleted: 'COMPLETED',
  BookingMarkedNoShow: 'NO_SHOW',
};
const STAGE_OF: Record<Status, keyof FunnelDoc | null> = {
  PENDING: null,
  CONFIRMED: 'confirmed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
  COMPLETED: 'completed',
  NO_SHOW: 'noShow',
};

/** an instant as toISOString writes it, on a day every month has (the 29th to 31st, or
 *  anything else, go through Date, which also refuses what is no date) */
const PLAIN_UTC_INSTANT = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

export function utcDay(iso: string): string {
  // every event's recordedAt: its first ten characters are its UTC day (no Date per event)
  if (PLAIN_UTC_INSTANT.test(iso)) return iso.slice(0, 10);
  return new Date(iso).toISOString().slice(0, 10);
}

type DimensionFields = Pick<
  BookingFactDoc,
  'offeringId' | 'providerId' | 'category' | 'currency' | 'utmSource' | 'utmMedium' | 'utmCampaign' | 'ttclid'
>;

/** the dimensions a booking is counted under, `all` first */
const COUNTED_UNDER = ['all', ...ANALYTICS_DIMENSIONS] as const;

/** the key of a booking under one dimension */
function keyUnder(dim: 'all' | AnalyticsDimension, f: DimensionFields): string {
  switch (dim) {
    case 'all':
      return 'all';
    case 'offering':
      return f.offeringId;
    case 'provider':
      return f.providerId;
    default:
      return f[dim];
  }
}

/** The (dimension, key) pairs a booking is counted under, `all` first. */
export function dimensionKeys(f: DimensionFields): ['all' | AnalyticsDimension, string][] {
  return COUNTED_UNDER.map((dim) => [dim, keyUnder(dim, f)]);
}

// funnel and revenue run nine times per event: no per-dimension arrays or spreads
async function funnel(docs: DocumentStore, f: BookingFactDoc, inc: Record<string, number>, pos: string): Promise<void> {
  const col = docs.collection<FunnelDoc>('analytics_funnel');
  const day = f.day;
  for (const dim of COUNTED_UNDER) {
    const key = keyUnder(dim, f);
    const setOnInsert =
      dim === 'offering' ? { day, dim, key, providerId: f.providerId, category: f.category } : { day, dim, key };
    await col.upsertAt(`${day}|${dim}|${key}`, { $inc: inc, $setOnInsert: setOnInsert }, pos);
  }
}

async function revenue(
  docs: DocumentStore,
  f: BookingFactDoc,
  day: string,
  currency: string,
  inc: Record<string, number>,
  pos: string,
): Promise<void> {
  const col = docs.collection<RevenueDoc>('analytics_revenue');
  for (const dim of COUNTED_UNDER) {
    const key = keyUnder(dim, f);
    const setOnInsert =
      dim === 'offering'
        ? { day, dim, key, currency, providerId: f.providerId, category: f.category }
        : { day, dim, key, currency };
    await col.upsertAt(`${day}|${dim}|${key}|${currency}`, { $inc: inc, $setOnInsert: setOnInsert }, pos);
  }
}

async function slotSeats(
  docs: DocumentStore,
  f: BookingFactDoc,
  start: string,
  delta: number,
  pos: string,
): Promise<void> {
  const offering = await docs.collection<AnalyticsOfferingDoc>('analytics_offerings').get(f.offeringId);
  await docs.collection<SlotAnalyticsDoc>('analytics_slots').upsertAt(
    `${f.offeringId}|${start}`,
    {
      $inc: { seats: delta },
      $set: { seatsPerSlot: offering?.seatsPerSlot ?? null },
      $setOnInsert: {
        day: utcDay(start),
        offeringId: f.offeringId,
        providerId: f.providerId,
        category: f.category,
        start,
      },
    },
    pos,
  );
}

/** A fact for a payment whose booking the projector never saw (should not happen). */
function unknownFact(bookingId: string, currency: string): BookingFactDoc {
  return {
    _id: bookingId,
    day: 'unknown',
    offeringId: 'unknown',
    providerId: 'unknown',
    category: 'unknown',
    currency,
    utmSource: NONE,
    utmMedium: NONE,
    utmCampaign: NONE,
    ttclid: 'no',
    kind: 'unknown',
    quantity: 0,
    total: 0,
    slotStart: null,
    status: 'PENDING',
    prevStatus: 'none',
    paid: false,
    prevPaid: false,
  };
}

export const analyticsProjector: Projector = {
  name: 'analytics',
  eventTypes: TYPES,
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const offerings = docs.collection<AnalyticsOfferingDoc>('analytics_offerings');
    const facts = docs.collection<BookingFactDoc>('analytics_bookings');
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'OfferingCreated': {
        const d = event.data;
        await offerings.upsertAt(
          d.offeringId,
          {
            $set: {
              providerId: d.providerId,
              category: d.category,
              kind: d.kind,
              title: d.title,
              seatsPerSlot: d.seatsPerSlot ?? null,
            },
          },
          pos,
        );
        return;
      }
      case 'OfferingDetailsChanged': {
        const d = event.data;
        const set: Record<string, unknown> = {};
        if (d.category !== undefined) set.category = d.category;
        if (d.title !== undefined) set.title = d.title;
        if (Object.keys(set).length > 0) await offerings.upsertAt(d.offeringId, { $set: set }, pos);
        return;
      }
      case 'OfferingSeatsChanged':
        await offerings.upsertAt(event.data.offeringId, { $set: { seatsPerSlot: event.data.seatsPerSlot } }, pos);
        return;
      case 'BookingPlaced': {
        const d = event.data;
        const offering = await offerings.get(d.offeringId);
        const a = d.attribution ?? {};
        const fact: BookingFactDoc = {
          _id: d.bookingId,
          day: utcDay(at),
          offeringId: d.offeringId,
          providerId: d.providerId,
          category: offering?.category ?? 'uncategorized',
          currency: d.total.currency,
          utmSource: a.utmSource ?? NONE,
          utmMedium: a.utmMedium ?? NONE,
          utmCampaign: a.utmCampaign ?? NONE,
          ttclid: a.ttclid ? 'yes' : 'no',
          kind: d.kind,
          quantity: d.quantity,
          total: d.total.amount,
          slotStart: d.slot?.start ?? null,
          status: 'PENDING',
          prevStatus: 'none',
          paid: false,
          prevPaid: false,
        };
        const { _id, ...set } = fact;
        await facts.upsertAt(d.bookingId, { $set: set }, pos);
        const inc: Record<string, number> = { placed: 1, 'status.PENDING': 1 };
        if (d.slot) {
          inc.leadTimeMinutesSum = Math.round((Date.parse(d.slot.start) - Date.parse(at)) / 60_000);
          inc.leadTimeCount = 1;
        }
        await funnel(docs, fact, inc, pos);
        return;
      }
      case 'BookingConfirmed':
      case 'BookingCancelled':
      case 'BookingExpired':
      case 'BookingCompleted':
      case 'BookingMarkedNoShow': {
        const fact = await facts.get(event.data.bookingId);
        if (!fact) return;
        const to = STATUS_OF[event.type]!;
        const from = fact._pos === pos ? fact.prevStatus : fact.status;
        if (from === to) return;
        await facts.upsertAt(fact._id, { $set: { status: to, prevStatus: from } }, pos);
        const inc: Record<string, number> = { [`status.${to}`]: 1 };
        if (from !== 'none') inc[`status.${from}`] = -1;
        const stage = STAGE_OF[to];
        if (stage) inc[stage] = 1;
        await funnel(docs, fact, inc, pos);
        if (fact.slotStart && SEATED.has(from) !== SEATED.has(to)) {
          await slotSeats(docs, fact, fact.slotStart, SEATED.has(to) ? fact.quantity : -fact.quantity, pos);
        }
        return;
      }
      case 'BookingRescheduled': {
        const d = event.data;
        const fact = await facts.get(d.bookingId);
        if (!fact) return;
        await facts.upsertAt(fact._id, { $set: { slotStart: d.to.slot.start } }, pos);
        if (SEATED.has(fact.status) && d.from.slot.start !== d.to.slot.start) {
          await slotSeats(docs, fact, d.from.slot.start, -fact.quantity, pos);
          await slotSeats(docs, fact, d.to.slot.start, fact.quantity, pos);
        }
        return;
      }
      case 'PaymentSucceeded':
      case 'PaymentMarkedPaid': {
        const d = event.data;
        const fact = (await facts.get(d.bookingId)) ?? unknownFact(d.bookingId, d.amount.currency);
        await revenue(
          docs,
          fact,
          utcDay(at),
          d.amount.currency,
          { gross: d.amount.amount, net: d.amount.amount, payments: 1 },
          pos,
        );
        const wasPaid = fact._pos === pos ? fact.prevPaid : fact.paid;
        if (!wasPaid && fact._pos !== undefined) {
          await facts.upsertAt(fact._id, { $set: { paid: true, prevPaid: false } }, pos);
          await funnel(docs, fact, { paid: 1 }, pos);
        }
        return;
      }
      case 'PaymentRefunded': {
        const d = event.data;
        const fact = (await facts.get(d.bookingId)) ?? unknownFact(d.bookingId, d.amount.currency);
        await revenue(
          docs,
          fact,
          utcDay(at),
          d.amount.currency,
          { refunded: d.amount.amount, net: -d.amount.amount, refunds: 1 },
          pos,
        );
        if (fact._pos !== undefined) await funnel(docs, fact, { refunds: 1 }, pos);
        return;
      }
    }
  },
};
