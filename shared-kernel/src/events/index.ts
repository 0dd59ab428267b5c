import 'reflect-metadata';
import { EventCatalogue } from './catalogue.js';
import { catalogEvents, type CatalogEvent } from './catalog.js';
import { capacityEvents, type CapacityEvent } from './capacity.js';
import { bookingEvents, type BookingEvent } from './booking.js';
import { paymentEvents, type PaymentEvent } from './payment.js';
import { idempotencyEvents, type IdempotencyEvent } from './idempotency.js';
import { identityEvents, type IdentityEvent } from './identity.js';
import { effectEvents, type EffectEvent } from './effects.js';

export * from './catalogue.js';
export * from './common.js';
export * from './catalog.js';
export * from './capacity.js';
export * from './booking.js';
export * from './payment.js';
export * from './idempotency.js';
export * from './identity.js';
export * from './effects.js';

export type DomainEvent =
  CatalogEvent | CapacityEvent | BookingEvent | PaymentEvent | IdempotencyEvent | IdentityEvent | EffectEvent;

/** Every event definition the platform stores, by bounded context. */
export const eventDefinitions = [
  ...catalogEvents,
  ...capacityEvents,
  ...bookingEvents,
  ...paymentEvents,
  ...idempotencyEvents,
  ...identityEvents,
  ...effectEvents,
];

/** The one catalogue of every event the platform stores. */
export const eventCatalogue = new EventCatalogue().register(...eventDefinitions);
