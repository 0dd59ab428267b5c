import { ForbiddenError, type Filter, type UserActor } from '@booking/shared-kernel';

/** Only its customer, its provider or an admin may see a booking or its payment. */
export function visibleTo(actor: UserActor, doc: { customerId: string; providerId: string }): boolean {
  return (
    actor.role === 'admin' ||
    (actor.role === 'customer' && doc.customerId === actor.id) ||
    (actor.role === 'provider' && doc.providerId === actor.id)
  );
}

/** The same rule as a read-model filter: the bookings `actor` may see. */
export function visibleBookingsFilter(actor: UserActor): Filter {
  if (actor.role === 'admin') return {};
  if (actor.role === 'customer') return { customerId: actor.id };
  if (actor.role === 'provider') return { providerId: actor.id };
  throw new ForbiddenError('bookings are for their customer, their provider and admins');
}
