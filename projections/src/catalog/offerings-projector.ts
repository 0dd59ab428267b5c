/** The catalog read model: one document per offering (`offerings`), with its stock
 *  figures for products; service availability lives in `capacity` (per slot). */
import type { DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';
import type { OfferingDoc } from '../read-models.js';

const TYPES = new Set([
  'OfferingCreated',
  'OfferingDetailsChanged',
  'OfferingPriceChanged',
  'OfferingScheduleChanged',
  'OfferingSeatsChanged',
  'OfferingPublished',
  'OfferingRetired',
]);

function searchText(
  doc: Pick<OfferingDoc, 'title' | 'description' | 'category'> & {
    location?: { address?: string; city?: string } | null;
  },
): string {
  return [doc.title, doc.description, doc.category, doc.location?.address, doc.location?.city]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

export const offeringsProjector: Projector = {
  name: 'offerings',
  eventTypes: TYPES,
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const offerings = docs.collection<OfferingDoc>('offerings');
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'OfferingCreated': {
        const d = event.data;
        await offerings.upsertAt(
          d.offeringId,
          {
            $set: {
              providerId: d.providerId,
              kind: d.kind,
              title: d.title,
              description: d.description,
              category: d.category,
              price: d.price,
              seatsPerSlot: d.seatsPerSlot ?? null,
              schedule: d.schedule ?? null,
              location: d.location ?? null,
              status: 'draft',
              createdAt: at,
              updatedAt: at,
              searchText: searchText({ ...d, location: d.location ?? null }),
            },
            $setOnInsert: { stock: 0, held: 0, sold: 0 },
          },
          pos,
        );
        return;
      }
      case 'OfferingDetailsChanged': {
        const current = await offerings.get(event.data.offeringId);
        if (!current) return;
        const { offeringId: _id, ...changes } = event.data;
        const merged = { ...current, ...changes };
        await offerings.upsertAt(
          event.data.offeringId,
          { $set: { ...changes, updatedAt: at, searchText: searchText(merged) } },
          pos,
        );
        return;
      }
      case 'OfferingPriceChanged':
        await offerings.upsertAt(event.data.offeringId, { $set: { price: event.data.price, updatedAt: at } }, pos);
        return;
      case 'OfferingScheduleChanged':
        await offerings.upsertAt(
          event.data.offeringId,
          { $set: { schedule: event.data.schedule, updatedAt: at } },
          pos,
        );
        return;
      case 'OfferingSeatsChanged':
        await offerings.upsertAt(
          event.data.offeringId,
          { $set: { seatsPerSlot: event.data.seatsPerSlot, updatedAt: at } },
          pos,
        );
        return;
      case 'OfferingPublished':
        await offerings.upsertAt(
          event.data.offeringId,
          { $set: { status: 'published', publishedAt: at, updatedAt: at } },
          pos,
        );
        return;
      case 'OfferingRetired':
        await offerings.upsertAt(event.data.offeringId, { $set: { status: 'retired', updatedAt: at } }, pos);
        return;
    }
  },
};
