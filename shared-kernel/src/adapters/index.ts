export { SqliteEventStore } from './event-store/sqlite-event-store.js';
export { SqliteSnapshotStore } from './event-store/sqlite-snapshot-store.js';
export { EventStoreDbEventStore } from './event-store/eventstoredb-event-store.js';
export { PostgresEventStore, EventStoreUnavailableError } from './event-store/postgres-event-store.js';
export { EmbeddedDocumentStore } from './document-store/embedded-document-store.js';
export { MongoDocumentStore } from './document-store/mongo-document-store.js';
export { MongoConnection, type MongoConnectionOptions } from './document-store/mongo-connection.js';
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
export {
  PayPalGateway,
  PayPalOrderNotApprovedError,
  captureIdFromLinks,
  orderIdFromLinks,
  orderSnapshot,
  type PayPalCapture,
  type PayPalCaptureOutcome,
  type PayPalOrder,
} from './payment/paypal-gateway.js';
export {
  PayPalApiError,
  PayPalClient,
  PAYPAL_SANDBOX_API_URL,
  payPalRequestId,
  type PayPalClientOptions,
  type PayPalRequestInfo,
} from './payment/paypal-client.js';
export { fromPayPalAmount, toPayPalAmount, payPalFractionDigits } from './payment/paypal-money.js';
export * from './payment/paypal-webhooks.js';
export { InProcessBus } from './bus/in-process-bus.js';
export { KafkaBus, type KafkaBusOptions } from './bus/kafka-bus.js';
export { GoogleGeocoder, placeOf, type GoogleGeocoderOptions } from './geo/google-geocoder.js';
export { openRedis, type RedisClientOptions } from './redis/redis-client.js';
export { redisRateLimitStores } from './redis/redis-rate-limit-stores.js';
