/**
 * Writes a realistic history straight through the command runtime (no HTTP): offerings,
 * then bookings that are placed, paid and confirmed, some cancelled. Used by the
 * restart test and the benchmarks.
 */
import {
  createCommandRuntime,
  executeCommand,
  newId,
  streams,
  systemClock,
  type CommandContext,
  type EventStore,
} from '@booking/shared-kernel';
import { bookingDecider, capacityDecider, offeringDecider, paymentDecider } from '@booking/command';

export interface HistoryOptions {
  /** about 6 events per booking */
  bookings: number;
  products?: number;
  concurrency?: number;
}

const ctx = (actorId: string, role: CommandContext['actor']['role']): CommandContext => ({
  actor: { id: actorId, role },
  correlationId: newId(),
  causationId: newId(),
});

export async function generateHistory(
  store: EventStore,
  options: HistoryOptions,
): Promise<{ events: number; bookings: number }> {
  const runtime = createCommandRuntime(store, systemClock, 50);
  const productCount = options.products ?? 20;
  const offerings: string[] = [];
  for (let i = 0; i < productCount; i++) {
    const offeringId = newId();
    const provider = `provider-gen${i % 5}`;
    const c = ctx(provider, 'provider');
    await executeCommand(
      runtime,
      streams.offering(offeringId),
      offeringDecider,
      {
        type: 'CreateOffering',
        actor: c.actor,
        offeringId,
        providerId: provider,
        kind: 'product',
        title: `Generated product ${i}`,
        description: 'generated',
        category: 'generated',
        price: { amount: 1000 + i, currency: 'EUR' },
      },
      c,
    );
    await executeCommand(
      runtime,
      streams.inventory(offeringId),
      capacityDecider,
      { type: 'SetStock', offeringId, stock: 1_000_000 },
      c,
    );
    await executeCommand(
      runtime,
      streams.offering(offeringId),
      offeringDecider,
      { type: 'PublishOffering', actor: c.actor },
      c,
    );
    offerings.push(offeringId);
  }
  const one = async (n: number) => {
    const offeringId = offerings[n % offerings.length]!;
    const customer = `customer-gen${n % 97}`;
    const c = ctx(customer, 'customer');
    const bookingId = newId();
    const inventory = streams.inventory(offeringId);
    const now = new Date();
    const quantity = 1 + (n % 3);
    await executeCommand(
      runtime,
      inventory,
      capacityDecider,
      {
        type: 'ReserveCapacity',
        offeringId,
        bookingId,
        quantity,
        holdExpiresAt: new Date(now.getTime() + 900_000),
        now,
      },
      c,
    );
    const unit = { amount: 1000 + (n % productCount), currency: 'EUR' };
    await executeCommand(
      runtime,
      streams.booking(bookingId),
      bookingDecider,
      {
        type: 'PlaceBooking',
        actor: c.actor,
        data: {
          bookingId,
          customerId: customer,
          providerId: `provider-gen${(n % productCount) % 5}`,
          offeringId,
          offeringTitle: `Generated product ${n % productCount}`,
          kind: 'product',
          quantity,
          capacityStreamId: inventory,
          unitPrice: unit,
          total: { amount: unit.amount * quantity, currency: 'EUR' },
          holdExpiresAt: new Date(now.getTime() + 900_000).toISOString(),
          attribution: n % 4 === 0 ? { utmSource: 'tiktok' } : {},
        },
      },
      c,
    );
    if (n % 10 === 9) {
      await executeCommand(
        runtime,
        streams.booking(bookingId),
        bookingDecider,
        { type: 'CancelBooking', actor: c.actor, reason: 'changed my mind', now, minimumNoticeMinutes: 0 },
        c,
      );
      await executeCommand(
        runtime,
        inventory,
        capacityDecider,
        { type: 'ReleaseCapacity', bookingId, reason: 'cancelled' },
        c,
      );
      return;
    }
    const paymentId = bookingId;
    await executeCommand(
      runtime,
      streams.payment(paymentId),
      paymentDecider,
      {
        type: 'StartPayment',
        paymentId,
        bookingId,
        customerId: customer,
        providerId: 'p',
        amount: { amount: unit.amount * quantity, currency: 'EUR' },
        gateway: 'sandbox',
        intentId: `pi_${n}`,
      },
      c,
    );
    await executeCommand(
      runtime,
      streams.payment(paymentId),
      paymentDecider,
      {
        type: 'RecordPaymentSucceeded',
        gatewayReference: `ch_${n}`,
        amount: { amount: unit.amount * quantity, currency: 'EUR' },
      },
      c,
    );
    await executeCommand(runtime, inventory, capacityDecider, { type: 'ConfirmCapacity', bookingId, now }, c);
    await executeCommand(runtime, streams.booking(bookingId), bookingDecider, { type: 'ConfirmBooking', paymentId }, c);
  };
  const concurrency = options.concurrency ?? 64;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < options.bookings) await one(next++);
    }),
  );
  const head = await store.headPosition();
  return { events: Number(head.commit), bookings: options.bookings };
}
