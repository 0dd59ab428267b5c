/**
 * Appends a schema-valid history for analytics tests straight to the streams (no deciders,
 * like ops/bench/fast-history.ts) with controlled recording times spread over months:
 * products and services in several categories, currencies and providers; bookings with
 * utm/ttclid attribution that expire, are cancelled before or after payment, are paid by
 * card or marked paid, confirmed, completed, marked no-show, rescheduled, and refunded in
 * full or in part weeks to months later.
 */
import {
  newId,
  streams,
  toNewEvents,
  type Clock,
  type CommandContext,
  type DomainEvent,
  type EventStore,
} from '@booking/shared-kernel';

export interface AnalyticsHistoryOptions {
  bookings: number;
  /** first placement time (default 2030-01-01) */
  start?: string;
  /** minutes between placements */
  spacingMinutes?: number;
  concurrency?: number;
}

const ctx: CommandContext = {
  actor: { id: 'generator', role: 'system' },
  correlationId: newId(),
  causationId: newId(),
};
const at = (ms: number): Clock => ({ now: () => new Date(ms) });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const GENERATED_ATTRIBUTION = [
  { utmSource: 'tiktok', utmMedium: 'paid_social', utmCampaign: 'spring', ttclid: 'E.C.P.abc' },
  { utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'brand' },
  { utmSource: 'newsletter', utmMedium: 'email' },
  { ttclid: 'E.C.P.xyz' },
  {},
];

export interface GeneratedOffering {
  offeringId: string;
  providerId: string;
  kind: 'product' | 'service';
  category: string;
  currency: string;
  price: number;
  seatsPerSlot?: number;
}

export async function appendAnalyticsHistory(
  store: EventStore,
  options: AnalyticsHistoryOptions,
): Promise<{ events: number; offerings: GeneratedOffering[] }> {
  const start = Date.parse(options.start ?? '2030-01-01T00:00:00Z');
  const spacing = (options.spacingMinutes ?? 13) * 60_000;
  const offerings: GeneratedOffering[] = [
    { offeringId: newId(), providerId: 'provider-a', kind: 'product', category: 'books', currency: 'EUR', price: 1500 },
    {
      offeringId: newId(),
      providerId: 'provider-a',
      kind: 'service',
      category: 'yoga',
      currency: 'EUR',
      price: 2500,
      seatsPerSlot: 8,
    },
    {
      offeringId: newId(),
      providerId: 'provider-b',
      kind: 'service',
      category: 'massage',
      currency: 'USD',
      price: 7000,
      seatsPerSlot: 2,
    },
    { offeringId: newId(), providerId: 'provider-b', kind: 'product', category: 'books', currency: 'USD', price: 990 },
    {
      offeringId: newId(),
      providerId: 'provider-c',
      kind: 'service',
      category: 'yoga',
      currency: 'GBP',
      price: 1800,
      seatsPerSlot: 12,
    },
  ];
  const before = start - 30 * DAY;
  for (const o of offerings) {
    const events: DomainEvent[] = [
      {
        type: 'OfferingCreated',
        data: {
          offeringId: o.offeringId,
          providerId: o.providerId,
          kind: o.kind,
          title: `${o.category} ${o.kind}`,
          description: '',
          category: o.category === 'yoga' ? 'wellness' : o.category,
          price: { amount: o.price, currency: o.currency },
          ...(o.seatsPerSlot ? { seatsPerSlot: o.seatsPerSlot } : {}),
        },
      },
      // the category in force from then on (placed bookings take the category of their time)
      { type: 'OfferingDetailsChanged', data: { offeringId: o.offeringId, category: o.category } },
      { type: 'OfferingPublished', data: { offeringId: o.offeringId } },
    ];
    await store.append(streams.offering(o.offeringId), toNewEvents(events, ctx, at(before)), 'no_stream');
  }

  const one = async (n: number) => {
    const o = offerings[n % offerings.length]!;
    const bookingId = newId();
    const placed = start + n * spacing;
    const quantity = o.kind === 'service' ? 1 + (n % 2) : 1 + (n % 3);
    const total = { amount: o.price * quantity, currency: o.currency };
    const slotStart = Math.floor((placed + (1 + (n % 20)) * DAY) / HOUR) * HOUR;
    const slot =
      o.kind === 'service'
        ? { start: new Date(slotStart).toISOString(), end: new Date(slotStart + HOUR).toISOString() }
        : undefined;
    const capacityStreamId = slot ? `slot-${o.offeringId}-${slotStart}` : streams.inventory(o.offeringId);
    const booking = streams.booking(bookingId);
    const payment = streams.payment(bookingId);
    let revision = -1n;
    const bookingEvent = async (e: DomainEvent, when: number) => {
      await store.append(booking, toNewEvents([e], ctx, at(when)), revision < 0n ? 'no_stream' : revision);
      revision++;
    };
    let payRevision = -1n;
    const paymentEvent = async (e: DomainEvent, when: number) => {
      await store.append(payment, toNewEvents([e], ctx, at(when)), payRevision < 0n ? 'no_stream' : payRevision);
      payRevision++;
    };
    await bookingEvent(
      {
        type: 'BookingPlaced',
        data: {
          bookingId,
          customerId: `customer-${n % 500}`,
          providerId: o.providerId,
          offeringId: o.offeringId,
          offeringTitle: `${o.category} ${o.kind}`,
          kind: o.kind,
          quantity,
          ...(slot ? { slot } : {}),
          capacityStreamId,
          unitPrice: { amount: o.price, currency: o.currency },
          total,
          holdExpiresAt: new Date(placed + 15 * 60_000).toISOString(),
          attribution: GENERATED_ATTRIBUTION[Math.floor(n / 3) % GENERATED_ATTRIBUTION.length]!,
        },
      },
      placed,
    );
    const outcome = n % 10;
    if (outcome === 0) return bookingEvent({ type: 'BookingExpired', data: { bookingId } }, placed + 16 * 60_000);
    if (outcome === 1)
      return bookingEvent(
        { type: 'BookingCancelled', data: { bookingId, cancelledBy: 'customer', reason: 'changed my mind' } },
        placed + 5 * 60_000,
      );
    const paidAt = placed + 3 * 60_000;
    await paymentEvent(
      {
        type: 'PaymentStarted',
        data: {
          paymentId: bookingId,
          bookingId,
          customerId: `customer-${n % 500}`,
          providerId: o.providerId,
          amount: total,
          gateway: 'sandbox',
          intentId: `pi_${n}`,
        },
      },
      placed + 60_000,
    );
    if (outcome === 5) {
      await paymentEvent(
        { type: 'PaymentFailed', data: { paymentId: bookingId, bookingId, code: 'card_declined', reason: 'declined' } },
        placed + 2 * 60_000,
      );
      await paymentEvent(
        {
          type: 'PaymentMarkedPaid',
          data: {
            paymentId: bookingId,
            bookingId,
            customerId: `customer-${n % 500}`,
            providerId: o.providerId,
            amount: total,
            reason: 'cash',
          },
        },
        paidAt,
      );
    } else {
      await paymentEvent(
        {
          type: 'PaymentSucceeded',
          data: { paymentId: bookingId, bookingId, amount: total, gatewayReference: `ch_${n}` },
        },
        paidAt,
      );
    }
    await bookingEvent({ type: 'BookingConfirmed', data: { bookingId, paymentId: bookingId } }, paidAt + 1000);
    if (outcome === 2) {
      // cancelled after payment, refunded in full some weeks later
      const cancelled = placed + (1 + (n % 5)) * HOUR;
      await bookingEvent(
        { type: 'BookingCancelled', data: { bookingId, cancelledBy: 'provider', reason: 'provider unavailable' } },
        cancelled,
      );
      await paymentEvent(
        {
          type: 'PaymentRefunded',
          data: { paymentId: bookingId, bookingId, amount: total, reason: 'cancelled', gatewayReference: `re_${n}` },
        },
        cancelled + (n % 40) * DAY,
      );
      return;
    }
    if (outcome === 3) {
      // partial refund months later (a late event)
      await paymentEvent(
        {
          type: 'PaymentRefunded',
          data: {
            paymentId: bookingId,
            bookingId,
            amount: { amount: Math.floor(total.amount / 3), currency: o.currency },
            reason: 'goodwill',
            gatewayReference: `re_${n}`,
          },
        },
        placed + (60 + (n % 90)) * DAY,
      );
      return;
    }
    if (outcome === 4 && slot) {
      const to = slotStart + DAY;
      const moved = { start: new Date(to).toISOString(), end: new Date(to + HOUR).toISOString() };
      await bookingEvent(
        {
          type: 'BookingRescheduled',
          data: {
            bookingId,
            from: { slot, capacityStreamId },
            to: { slot: moved, capacityStreamId: `slot-${o.offeringId}-${to}` },
          },
        },
        placed + HOUR,
      );
      return;
    }
    if (outcome === 6)
      return bookingEvent(
        { type: 'BookingMarkedNoShow', data: { bookingId } },
        slot ? slotStart + 2 * HOUR : placed + 2 * DAY,
      );
    if (outcome === 7 || outcome === 8)
      return bookingEvent(
        { type: 'BookingCompleted', data: { bookingId } },
        slot ? slotStart + 2 * HOUR : placed + 2 * DAY,
      );
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 64 }, async () => {
      while (next < options.bookings) await one(next++);
    }),
  );
  return { events: Number((await store.headPosition()).commit) + 1, offerings };
}
