import { slotsBetween } from '@booking/command';
import type { DocumentStore } from '@booking/shared-kernel';
import type { CapacityDoc, OfferingDoc } from '@booking/projections';

export interface SlotView {
  start: string;
  end: string;
  seats: number;
  seatsLeft: number;
}

/** A service's slots in [from, to) from its schedule, with the seats the read model says
 *  are taken. */
export async function serviceSlots(
  docs: DocumentStore,
  offering: OfferingDoc,
  from: Date,
  to: Date,
  now: Date,
): Promise<SlotView[]> {
  if (offering.kind !== 'service' || !offering.schedule) return [];
  const slots = slotsBetween(offering.schedule, from, to, now);
  if (slots.length === 0) return [];
  const taken = await docs.collection<CapacityDoc>('capacity').find({
    offeringId: offering._id,
    kind: 'slot',
    start: { $gte: slots[0]!.start, $lte: slots[slots.length - 1]!.start },
  });
  const used = new Map(taken.map((c) => [c.start, c.held + c.confirmed]));
  const seats = offering.seatsPerSlot ?? 0;
  return slots.map((s) => ({ ...s, seats, seatsLeft: Math.max(0, seats - (used.get(s.start) ?? 0)) }));
}

export function productAvailable(offering: OfferingDoc): number {
  return Math.max(0, offering.stock - offering.held);
}
