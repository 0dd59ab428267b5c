import { eventCatalogue, type DomainEvent } from '@booking/shared-kernel';
import type { Harness } from '../../test-support/harness.js';

/** Every stored event of `type`, decoded, in log order. */
export async function eventsOfType(h: Harness, type: string): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  for (const r of await h.platform.eventStore.readAll())
    if (r.type === type) out.push(eventCatalogue.decode<DomainEvent>(r));
  return out;
}
