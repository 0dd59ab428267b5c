export * from './ports/event-store.js';
export * from './ports/document-store.js';
export * from './ports/payment-gateway.js';
export * from './ports/mailer.js';
export * from './ports/object-store.js';
export * from './ports/message-bus.js';
export * from './ports/contacts.js';
export * from './ports/geocoder.js';
export * from './effects-config.js';
export * from './events/index.js';
export * from './primitives/ids.js';
export * from './primitives/clock.js';
export * from './primitives/money.js';
export * from './errors.js';
export * from './config.js';
export * from './logging.js';
export * from './decider.js';
export {
  defaultSnapshotCharsPerEvent,
  defaultSnapshotEvery,
  type SnapshotCodec,
  type SnapshotSettings,
} from './snapshots.js';
export * from './ports/snapshot-store.js';
export * from './streams.js';
export * from './http/problem.js';
export * from './http/validate.js';
export * from './http/auth.js';
export * from './http/correlation.js';
export * from './http/command-route.js';
export * from './http/etag.js';
export * from './adapters/payment/sandbox-gateway.js';
export * from './http/http-app.js';
export * from './http/security.js';
export * from './http/jwt-keys.js';
export * from './ports/rate-limit-stores.js';
export * from './observability-config.js';
export * from './observability/metrics.js';
export * from './observability/tracing.js';
export * from './observability/tracing-setup.js';
export * from './observability/instrumented-event-store.js';
export * from './observability/instrumented-document-store.js';
export * from './http/request-telemetry.js';
