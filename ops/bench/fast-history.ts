/**
 * Appends a large, schema-valid history quickly for benchmarks: every booking's events go
 * straight to its streams with group commit (no deciders), so 100k events take seconds.
 */
import {
  newId,
  toNewEvents,
  streams,
  systemClock,
  type CommandContext,
  type DomainEvent,
  type EventStore,
} from '@booking/shared-kernel';

export async function appendHistory(store: EventStore, bookings: number, concurrency = 256): Promise<number> {
  const ctx: CommandContext = { actor: { id: 'bench', role: 'system' }, correlationId: newId(), causationId: newId() };
  const products = Array.from({ length: 50 }, () => newId());
  for (const [i, offeringId] of products.entries()) {
    const events: DomainEvent[] = [
      {
        type: 'OfferingCreated',
        data: {
          offeringId,
          providerId: `provider-${i % 7}`,
          kind: 'product',
          title: `Product ${i}`,
          description: '',
          category: 'bench',
          price: { amount: 1500, currency: 'EUR' },
        },
      },
      { type: 'OfferingPublished', data: { offeringId } },
    ];
    await store.append(streams.offering(offeringId), toNewEvents(events, ctx, systemClock), 'no_stream');
    await store.append(
      streams.inventory(offeringId),
      toNewEvents(
        [{ type: 'StockAdjusted', data: { offeringId, delta: 10_000_000, stock: 10_000_000 } }],
        ctx,
        systemClock,
      ),
      'any',
    );
  }
  let next = 0;
  const holdExpiresAt = new Date(Date.now() + 900_000).toISOString();
  const one = async (n: number) => {
    const offeringId = products[n % products.length]!;
    const bookingId = newId();
    const total = { amount: 1500, currency: 'EUR' };
    const inventory = streams.inventory(offeringId);
    await store.append(
      inventory,
      toNewEvents(
        [{ type: 'CapacityReserved', data: { offeringId, bookingId, quantity: 1, holdExpiresAt } }],
        ctx,
        systemClock,
      ),
      'any',
    );
    await store.append(
      streams.booking(bookingId),
      toNewEvents(
        [
          {
            type: 'BookingPlaced',
            data: {
              bookingId,
              customerId: `customer-${n % 1000}`,
              providerId: `provider-${(n % products.length) % 7}`,
              offeringId,
              offeringTitle: 'Product',
              kind: 'product',
              quantity: 1,
              capacityStreamId: inventory,
              unitPrice: total,
              total,
              holdExpiresAt,
              attribution: {},
            },
          },
        ],
        ctx,
        systemClock,
      ),
      'no_stream',
    );
    await store.append(
      streams.payment(bookingId),
      toNewEvents(
        [
          {
            type: 'PaymentStarted',
            data: {
              paymentId: bookingId,
              bookingId,
              customerId: `customer-${n % 1000}`,
              providerId: 'p',
              amount: total,
              gateway: 'sandbox',
              intentId: `pi_${n}`,
            },
          },
          {
            type: 'PaymentSucceeded',
            data: { paymentId: bookingId, bookingId, amount: total, gatewayReference: `ch_${n}` },
          },
        ],
        ctx,
        systemClock,
      ),
      'no_stream',
    );
    await store.append(
      inventory,
      toNewEvents([{ type: 'CapacityConfirmed', data: { bookingId } }], ctx, systemClock),
      'any',
    );
    await store.append(
      streams.booking(bookingId),
      toNewEvents([{ type: 'BookingConfirmed', data: { bookingId, paymentId: bookingId } }], ctx, systemClock),
      0n,
    );
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bookings) await one(next++);
    }),
  );
  return Number((await store.headPosition()).commit);
}
