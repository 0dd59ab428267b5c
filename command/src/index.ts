export { commandApi } from './app.js';
export type { CommandDeps } from './http/deps.js';
export * from './catalog/offering.js';
export * from './catalog/availability.js';
export * from './booking/booking.js';
export * from './booking/capacity.js';
export * from './payment/payment.js';
export * from './payment/stripe-webhook.js';
export * from './payment/cancellation-policy.js';
export * from './identity/user.js';
export * from './identity/identity-service.js';
export * from './identity/secrets.js';
export * from './receipts/receipt.js';
export * from './effects/recorded-effects.js';
// request bodies: validated by the routes and the source of the OpenAPI schemas
export * from './catalog/offering-requests.js';
export * from './booking/booking-requests.js';
export * from './payment/payment-requests.js';
export * from './identity/identity-requests.js';
