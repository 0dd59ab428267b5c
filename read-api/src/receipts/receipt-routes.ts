/**
 * Receipts: `GET /bookings/:id/receipts` (the booking's receipts and credit notes) and
 * `GET /receipts/:id/pdf` (the document itself). Only the buyer, the seller or an admin
 * sees them; anybody else gets the same 404 as for a missing receipt.
 */
import { Router } from 'express';
import { actorOf, NotFoundError, UnavailableError, type UserActor } from '@booking/shared-kernel';
import type { BookingDoc, ReceiptDoc } from '@booking/projections';
import { publicDoc } from '../http/paging.js';
import type { ReadApiDeps } from '../http/deps.js';

function visibleTo(actor: UserActor, doc: { customerId: string; providerId: string }): boolean {
  return (
    actor.role === 'admin' ||
    (actor.role === 'customer' && doc.customerId === actor.id) ||
    (actor.role === 'provider' && doc.providerId === actor.id)
  );
}

export function receiptRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  const receipts = () => deps.docs.collection<ReceiptDoc>('receipts');

  router.get('/bookings/:bookingId/receipts', async (req, res) => {
    const actor = actorOf(req);
    const booking = await deps.docs.collection<BookingDoc>('bookings').get(String(req.params.bookingId));
    if (!booking || !visibleTo(actor, booking)) throw new NotFoundError('booking');
    const items = await receipts().find({ bookingId: booking._id }, { sort: { issuedAt: 1 } });
    res.json({ items: items.map((r) => ({ ...publicDoc(r), id: r._id, pdf: `/api/receipts/${r._id}/pdf` })) });
  });

  router.get('/receipts/:receiptId/pdf', async (req, res) => {
    const actor = actorOf(req);
    const doc = await receipts().get(String(req.params.receiptId));
    if (!doc || !visibleTo(actor, doc)) throw new NotFoundError('receipt');
    if (!deps.objects) throw new UnavailableError('receipt documents are not served by this process');
    const object = await deps.objects.get(doc.objectKey);
    if (!object) throw new NotFoundError('receipt');
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `attachment; filename="${doc.number}.pdf"`);
    res.setHeader('cache-control', 'private, no-store');
    res.setHeader('content-length', String(object.body.length));
    res.end(object.body);
  });

  return router;
}
