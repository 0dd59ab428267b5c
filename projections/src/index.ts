export * from './read-models.js';
export * from './runtime/projector.js';
export * from './runtime/projection-runner.js';
export * from './runtime/reactor.js';
export * from './runtime/reactor-runner.js';
export { offeringsProjector } from './catalog/offerings-projector.js';
export { capacityProjector } from './booking/capacity-projector.js';
export { bookingsProjector } from './booking/bookings-projector.js';
export { bookingConfirmationReactor } from './reactors/booking-confirmation.js';
export { capacityReleaseReactor } from './reactors/capacity-release.js';
export { usersProjector, type UserDoc } from './identity/users-projector.js';
export { HoldExpiryScheduler } from './reactors/hold-expiry.js';
export { auditIndexProjector, type AuditCorrelationDoc, type AuditIndexEntry } from './audit/audit-index-projector.js';

import { offeringsProjector } from './catalog/offerings-projector.js';
import { capacityProjector } from './booking/capacity-projector.js';
import { bookingsProjector } from './booking/bookings-projector.js';
import { bookingConfirmationReactor } from './reactors/booking-confirmation.js';
import { capacityReleaseReactor } from './reactors/capacity-release.js';
import { auditIndexProjector } from './audit/audit-index-projector.js';
import { usersProjector } from './identity/users-projector.js';

export const allProjectors = [offeringsProjector, capacityProjector, bookingsProjector, auditIndexProjector, usersProjector];
export const allReactors = [bookingConfirmationReactor, capacityReleaseReactor];
