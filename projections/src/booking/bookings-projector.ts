/** The bookings read model (`bookings`, with a status timeline and a payment summary)
 *  and the payments read model (`payments`). */
import type { Collection, DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';
import type { BookingDoc, PaymentDoc } from '../read-models.js';

const TYPES = new Set([
  'BookingPlaced',
  'BookingConfirmed',
  'BookingRescheduled',
  'BookingCancelled',
  'BookingExpired',
  'BookingCompleted',
  'BookingMarkedNoShow',
  'PaymentStarted',
  'PaymentSucceeded',
  'PaymentFailed',
  'PaymentRefunded',
  'PaymentMarkedPaid',
  'PaymentCanceled',
  'PaymentDisputed',
]);

function by(event: AnyDecoded): string {
  return event.metadata.actor.role;
}

/** A status change with its timeline entry (a module function: no closure per event). */
async function setStatus(
  bookings: Collection<BookingDoc>,
  event: AnyDecoded,
  pos: string,
  bookingId: string,
  value: BookingDoc['status'],
  note?: string,
): Promise<void> {
  const at = event.metadata.recordedAt;
  await bookings.upsertAt(
    bookingId,
    {
      $set: { status: value, updatedAt: at },
      $push: { timeline: { status: value, at, by: by(event), ...(note ? { note } : {}) } },
    },
    pos,
  );
}

export const bookingsProjector: Projector = {
  name: 'bookings',
  eventTypes: TYPES,
  indexes: [
    { collection: 'bookings', fields: { customerId: 1, placedAt: -1 } },
    { collection: 'bookings', fields: { providerId: 1, placedAt: -1 } },
    { collection: 'bookings', fields: { status: 1, placedAt: -1 } },
    // live pushes read the bookings changed after a position (read-api/src/live)
    { collection: 'bookings', fields: { _pos: 1 } },
    { collection: 'payments', fields: { status: 1, updatedAt: 1 } },
  ],
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const bookings = docs.collection<BookingDoc>('bookings');
    const payments = docs.collection<PaymentDoc>('payments');
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'BookingPlaced': {
        const d = event.data;
        await bookings.upsertAt(
          d.bookingId,
          {
            $set: {
              customerId: d.customerId,
              providerId: d.providerId,
              offeringId: d.offeringId,
              offeringTitle: d.offeringTitle,
              kind: d.kind,
              quantity: d.quantity,
              slot: d.slot ?? null,
              total: d.total,
              status: 'PENDING',
              holdExpiresAt: d.holdExpiresAt,
              attribution: d.attribution,
              placedAt: at,
              updatedAt: at,
              timeline: [{ status: 'PENDING', at, by: by(event) }],
            },
            $setOnInsert: { payment: null },
          },
          pos,
        );
        return;
      }
      case 'BookingConfirmed':
        return setStatus(bookings, event, pos, event.data.bookingId, 'CONFIRMED');
      case 'BookingCancelled':
        return setStatus(bookings, event, pos, event.data.bookingId, 'CANCELLED', event.data.reason);
      case 'BookingExpired':
        return setStatus(bookings, event, pos, event.data.bookingId, 'EXPIRED');
      case 'BookingCompleted':
        return setStatus(bookings, event, pos, event.data.bookingId, 'COMPLETED');
      case 'BookingMarkedNoShow':
        return setStatus(bookings, event, pos, event.data.bookingId, 'NO_SHOW');
      case 'BookingRescheduled':
        await bookings.upsertAt(
          event.data.bookingId,
          {
            $set: { slot: event.data.to.slot, updatedAt: at },
            $push: {
              timeline: {
                status: 'RESCHEDULED',
                at,
                by: by(event),
                note: `${event.data.from.slot.start} -> ${event.data.to.slot.start}`,
              },
            },
          },
          pos,
        );
        return;
      case 'PaymentStarted': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          {
            $set: {
              bookingId: d.bookingId,
              customerId: d.customerId,
              providerId: d.providerId,
              amount: d.amount,
              gateway: d.gateway,
              intentId: d.intentId,
              status: 'STARTED',
              createdAt: at,
              updatedAt: at,
            },
            $setOnInsert: { refunded: 0, attempts: [], refunds: [], disputes: [] },
          },
          pos,
        );
        await bookings.upsertAt(
          d.bookingId,
          {
            $set: { payment: { status: 'STARTED', gateway: d.gateway, amount: d.amount, refunded: 0 }, updatedAt: at },
          },
          pos,
        );
        return;
      }
      case 'PaymentSucceeded': {
        const d = event.data;
        const card = d.card ? { card: d.card } : {};
        await payments.upsertAt(
          d.paymentId,
          { $set: { status: 'SUCCEEDED', updatedAt: at, ...card }, $push: { attempts: { at, outcome: 'succeeded' } } },
          pos,
        );
        await bookings.upsertAt(
          d.bookingId,
          { $set: { 'payment.status': 'SUCCEEDED', updatedAt: at, ...(d.card ? { 'payment.card': d.card } : {}) } },
          pos,
        );
        return;
      }
      case 'PaymentFailed': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          { $set: { status: 'FAILED', updatedAt: at }, $push: { attempts: { at, outcome: 'failed', code: d.code } } },
          pos,
        );
        await bookings.upsertAt(
          d.bookingId,
          { $set: { 'payment.status': 'FAILED', 'payment.failureCode': d.code, updatedAt: at } },
          pos,
        );
        return;
      }
      case 'PaymentRefunded': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          {
            $inc: { refunded: d.amount.amount },
            $set: { updatedAt: at },
            $push: { refunds: { at, amount: d.amount, reason: d.reason } },
          },
          pos,
        );
        await bookings.upsertAt(
          d.bookingId,
          { $inc: { 'payment.refunded': d.amount.amount }, $set: { updatedAt: at } },
          pos,
        );
        return;
      }
      case 'PaymentCanceled': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          {
            $set: { status: 'CANCELED', updatedAt: at },
            $push: { attempts: { at, outcome: 'canceled', code: d.reason } },
          },
          pos,
        );
        await bookings.upsertAt(d.bookingId, { $set: { 'payment.status': 'CANCELED', updatedAt: at } }, pos);
        return;
      }
      case 'PaymentDisputed': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          {
            $set: { disputed: true, updatedAt: at },
            $push: { disputes: { at, disputeId: d.disputeId, amount: d.amount, reason: d.reason } },
          },
          pos,
        );
        await bookings.upsertAt(d.bookingId, { $set: { 'payment.disputed': true, updatedAt: at } }, pos);
        return;
      }
      case 'PaymentMarkedPaid': {
        const d = event.data;
        await payments.upsertAt(
          d.paymentId,
          {
            $set: {
              bookingId: d.bookingId,
              customerId: d.customerId,
              providerId: d.providerId,
              amount: d.amount,
              gateway: 'manual',
              status: 'SUCCEEDED',
              updatedAt: at,
            },
            // no `attempts` here: one update may not touch a path twice, and $push creates it
            $setOnInsert: { refunded: 0, refunds: [], createdAt: at },
            $push: { attempts: { at, outcome: 'marked-paid' } },
          },
          pos,
        );
        await bookings.upsertAt(
          d.bookingId,
          {
            $set: { payment: { status: 'SUCCEEDED', gateway: 'manual', amount: d.amount, refunded: 0 }, updatedAt: at },
          },
          pos,
        );
        return;
      }
    }
  },
};
