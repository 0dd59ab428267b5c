export { commandApi } from './app.js';
export type { CommandDeps } from './http/deps.js';
export * from './catalog/offering.js';
export * from './catalog/availability.js';
export * from './booking/booking.js';
export * from './booking/capacity.js';
export * from './payment/payment.js';
