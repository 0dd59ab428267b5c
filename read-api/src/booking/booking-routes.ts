import { Router, type Request } from 'express';
import { actorOf, NotFoundError, parseInput, type Filter } from '@booking/shared-kernel';
import { cancellationRefund, FULL_REFUND_NOTICE_MINUTES } from '@booking/command';
import type { BookingDoc, PaymentDoc } from '@booking/projections';
import { AdminBookingListQuery, BookingListQuery } from './booking-queries.js';
import { pageWindow, publicDoc } from '../http/paging.js';
import type { ReadApiDeps } from '../http/deps.js';
import { visibleTo } from './booking-visibility.js';

export function bookingRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  const bookings = () => deps.docs.collection<BookingDoc>('bookings');

  async function list(req: Request, scope: Filter, q: BookingListQuery & { customerId?: string; providerId?: string }) {
    const filter: Filter = { ...scope };
    if (q.status) filter.status = q.status;
    if (q.offeringId) filter.offeringId = q.offeringId;
    if (q.customerId) filter.customerId = q.customerId;
    if (q.providerId) filter.providerId = q.providerId;
    if (q.placedFrom || q.placedTo) {
      filter.placedAt = {
        ...(q.placedFrom ? { $gte: new Date(q.placedFrom).toISOString() } : {}),
        ...(q.placedTo ? { $lt: new Date(q.placedTo).toISOString() } : {}),
      };
    }
    const { page, pageSize, skip } = pageWindow(q);
    const [items, total] = await Promise.all([
      bookings().find(filter, { sort: { placedAt: -1 }, skip, limit: pageSize }),
      bookings().count(filter),
    ]);
    return { items: items.map(publicDoc), total, page, pageSize };
  }

  router.get('/me/bookings', async (req, res) => {
    const actor = actorOf(req, 'customer');
    res.json(await list(req, { customerId: actor.id }, parseInput(BookingListQuery, req.query, 'query')));
  });

  router.get('/provider/bookings', async (req, res) => {
    const actor = actorOf(req, 'provider');
    res.json(await list(req, { providerId: actor.id }, parseInput(BookingListQuery, req.query, 'query')));
  });

  router.get('/admin/bookings', async (req, res) => {
    actorOf(req, 'admin');
    res.json(await list(req, {}, parseInput(AdminBookingListQuery, req.query, 'query')));
  });

  router.get('/bookings/:bookingId', async (req, res) => {
    const actor = actorOf(req);
    const doc = await bookings().get(String(req.params.bookingId));
    // Someone else's booking answers exactly like a missing one.
    if (!doc || !visibleTo(actor, doc)) throw new NotFoundError('booking');
    res.json(publicDoc(doc));
  });

  // What cancelling now would give back, by the same policy the cancellation-refund reactor
  // applies, so the customer sees it before confirming.
  router.get('/bookings/:bookingId/cancellation-quote', async (req, res) => {
    const actor = actorOf(req);
    const doc = await bookings().get(String(req.params.bookingId));
    if (!doc || !visibleTo(actor, doc)) throw new NotFoundError('booking');
    const payment = doc.payment;
    const paid = payment?.status === 'SUCCEEDED' ? payment.amount.amount - payment.refunded : 0;
    const cancelledBy = actor.role === 'customer' ? 'customer' : actor.role === 'provider' ? 'provider' : 'admin';
    const now = deps.clock.now();
    const quote = cancellationRefund({
      kind: doc.kind,
      cancelledBy,
      cancelledAt: now,
      slotStart: doc.slot?.start ?? null,
      refundable: paid,
    });
    const fullRefundUntil =
      doc.kind === 'service' && doc.slot
        ? new Date(Date.parse(doc.slot.start) - FULL_REFUND_NOTICE_MINUTES * 60_000).toISOString()
        : null;
    res.json({
      bookingId: doc._id,
      status: doc.status,
      cancellable: doc.status === 'PENDING' || doc.status === 'CONFIRMED',
      paid: { amount: paid, currency: doc.total.currency },
      refund: { amount: quote.amount, currency: doc.total.currency },
      rule: quote.rule,
      fullRefundUntil,
      quotedAt: now.toISOString(),
    });
  });

  router.get('/payments/:paymentId', async (req, res) => {
    const actor = actorOf(req);
    const doc = await deps.docs.collection<PaymentDoc>('payments').get(String(req.params.paymentId));
    if (!doc || !visibleTo(actor, doc)) throw new NotFoundError('payment');
    res.json(publicDoc(doc));
  });

  return router;
}
