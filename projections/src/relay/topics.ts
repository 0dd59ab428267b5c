/**
 * Which topic carries which event: one topic per bounded context. Idempotency records
 * are the command side's own bookkeeping and are not published.
 */
import {
  bookingEvents,
  capacityEvents,
  catalogEvents,
  effectEvents,
  identityEvents,
  paymentEvents,
  type EventDefinition,
} from '@booking/shared-kernel';

export const TOPICS = {
  booking: 'booking-events',
  payment: 'payment-events',
  catalog: 'catalog-events',
  capacity: 'capacity-events',
  identity: 'identity-events',
  effects: 'effect-events',
} as const;

export const ALL_TOPICS: readonly string[] = Object.values(TOPICS);

const byType = new Map<string, string>();
const add = (defs: readonly EventDefinition[], topic: string) => {
  for (const d of defs) byType.set(d.type, topic);
};
add(bookingEvents, TOPICS.booking);
add(paymentEvents, TOPICS.payment);
add(catalogEvents, TOPICS.catalog);
add(capacityEvents, TOPICS.capacity);
add(identityEvents, TOPICS.identity);
add(effectEvents, TOPICS.effects);

/** Topic and group names may carry a prefix (KAFKA_TOPIC_PREFIX), e.g. one per environment. */
export const withPrefix = (prefix: string | undefined, name: string): string => `${prefix ?? ''}${name}`;

/** The topic of an event type, or null when it is not published. */
export function topicForEvent(type: string): string | null {
  return byType.get(type) ?? null;
}

/** The topics a consumer of these event types must follow; throws for an unpublished type. */
export function topicsForEventTypes(types: Iterable<string>): string[] {
  const topics = new Set<string>();
  for (const t of types) {
    const topic = topicForEvent(t);
    if (!topic) throw new Error(`event type ${t} is not published on the bus`);
    topics.add(topic);
  }
  return [...topics].sort();
}
