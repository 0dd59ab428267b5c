export { SqliteEventStore } from './event-store/sqlite-event-store.js';
export { EventStoreDbEventStore } from './event-store/eventstoredb-event-store.js';
export { PostgresEventStore, EventStoreUnavailableError } from './event-store/postgres-event-store.js';
export { EmbeddedDocumentStore } from './document-store/embedded-document-store.js';
export { MongoDocumentStore } from './document-store/mongo-document-store.js';
export { OutboxMailer, readOutbox, type OutboxEntry } from './mail/outbox-mailer.js';
export { SmtpMailer } from './mail/smtp-mailer.js';
export { LocalObjectStore } from './object-store/local-object-store.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './object-store/s3-object-store.js';
export {
  StripeGateway,
  intentSnapshot,
  stripeClientConfig,
  type StripeGatewayOptions,
} from './payment/stripe-gateway.js';
export * from './payment/stripe-webhooks.js';
export { InProcessBus } from './bus/in-process-bus.js';
export { KafkaBus, type KafkaBusOptions } from './bus/kafka-bus.js';
export { GoogleGeocoder, placeOf, type GoogleGeocoderOptions } from './geo/google-geocoder.js';
