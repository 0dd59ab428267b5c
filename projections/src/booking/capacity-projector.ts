/**
 * Capacity read models from inventory and slot streams: `capacity` (held/confirmed per
 * stream), `capacity_holds` (per booking, read by the hold-expiry scheduler) and the stock
 * figures on `offerings`.
 */
import type { DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';
import type { CapacityDoc, CapacityHoldDoc, OfferingDoc } from '../read-models.js';

const TYPES = new Set(['StockAdjusted', 'CapacityReserved', 'CapacityConfirmed', 'CapacityReleased']);

type HoldState = CapacityHoldDoc['state'];
type HoldWithHistory = CapacityHoldDoc & { prevState?: HoldState | 'none' };

function slotStart(streamId: string): string | null {
  const m = /^slot-.+-(\d+)$/.exec(streamId);
  return m ? new Date(Number(m[1])).toISOString() : null;
}

/** Moves a hold between states and updates the counters by the difference. Replays are
 *  safe: the hold remembers the state it had before the event it last applied. */
async function transition(
  docs: DocumentStore,
  event: AnyDecoded,
  pos: string,
  bookingId: string,
  to: HoldState,
  quantityIfNew = 0,
): Promise<void> {
  const holds = docs.collection<HoldWithHistory>('capacity_holds');
  const id = `${event.streamId}|${bookingId}`;
  const hold = await holds.get(id);
  const from: HoldState | 'none' = hold ? (hold._pos === pos ? (hold.prevState ?? 'none') : hold.state) : 'none';
  const quantity = hold?.quantity ?? quantityIfNew;
  if (from === to) return;
  const offeringId = hold?.offeringId ?? (event.data as { offeringId?: string }).offeringId ?? '';
  await holds.upsertAt(
    id,
    {
      $set: {
        state: to,
        prevState: from,
        ...(hold
          ? {}
          : {
              streamId: event.streamId,
              offeringId,
              bookingId,
              quantity,
              expiresAt: (event.data as { holdExpiresAt?: string }).holdExpiresAt ?? '',
            }),
      },
    },
    pos,
  );

  const delta = { held: 0, confirmed: 0 };
  if (from === 'held') delta.held -= quantity;
  if (from === 'confirmed') delta.confirmed -= quantity;
  if (to === 'held') delta.held += quantity;
  if (to === 'confirmed') delta.confirmed += quantity;
  const isSlot = event.streamId.startsWith('slot-');
  await docs.collection<CapacityDoc>('capacity').upsertAt(
    event.streamId,
    {
      $inc: delta,
      $setOnInsert: { offeringId, kind: isSlot ? 'slot' : 'inventory', start: slotStart(event.streamId) },
    },
    pos,
  );
  if (!isSlot) {
    // A product's unsold stock shrinks when a sale is confirmed and grows back on release.
    await docs.collection<OfferingDoc>('offerings').upsertAt(
      offeringId,
      {
        $inc: { held: delta.held, sold: delta.confirmed, stock: -delta.confirmed },
      },
      pos,
    );
  }
}

export const capacityProjector: Projector = {
  name: 'capacity',
  eventTypes: TYPES,
  indexes: [
    { collection: 'capacity', fields: { offeringId: 1, kind: 1, start: 1 } },
    { collection: 'capacity_holds', fields: { state: 1, expiresAt: 1 } },
  ],
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    switch (event.type) {
      case 'StockAdjusted':
        await docs
          .collection<OfferingDoc>('offerings')
          .upsertAt(event.data.offeringId, { $set: { stock: event.data.stock } }, pos);
        return;
      case 'CapacityReserved':
        await transition(docs, event, pos, event.data.bookingId, 'held', event.data.quantity);
        return;
      case 'CapacityConfirmed':
        await transition(docs, event, pos, event.data.bookingId, 'confirmed');
        return;
      case 'CapacityReleased':
        await transition(docs, event, pos, event.data.bookingId, 'released');
        return;
    }
  },
};
