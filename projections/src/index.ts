export * from './read-models.js';
export * from './runtime/projector.js';
export * from './runtime/projection-runner.js';
export * from './runtime/reactor.js';
export * from './runtime/reactor-runner.js';
export * from './runtime/bus-reactor-runner.js';
export * from './relay/relay.js';
export * from './relay/topics.js';
export * from './runtime/instrumented-reactor.js';
export { offeringsProjector } from './catalog/offerings-projector.js';
export { capacityProjector } from './booking/capacity-projector.js';
export { bookingsProjector } from './booking/bookings-projector.js';
export { bookingConfirmationReactor } from './reactors/booking-confirmation.js';
export { capacityReleaseReactor } from './reactors/capacity-release.js';
export { usersProjector, type UserDoc } from './identity/users-projector.js';
export { HoldExpiryScheduler } from './reactors/hold-expiry.js';
export { PaymentReconciler, outcomeOf } from './reactors/payment-reconciliation.js';
export { cancellationRefundReactor } from './reactors/cancellation-refund.js';
export { effectReactors, type EffectAdapters } from './effects/effect-reactors.js';
export { readModelContacts } from './effects/contacts.js';
export { receiptsReactor, receiptIdFor, objectKeyFor, includedTax } from './receipts/receipts-reactor.js';
export { receiptsProjector, type ReceiptDoc } from './receipts/receipts-projector.js';
export { renderReceiptPdf } from './receipts/receipt-pdf.js';
export { notificationsReactor } from './notifications/notifications-reactor.js';
export { Notifier } from './notifications/notifier.js';
export { ReminderScheduler, remindersProjector, type ReminderDoc } from './notifications/reminders.js';
export { notificationPreferencesProjector } from './notifications/preferences-projector.js';
export {
  TwilioSms,
  RecordedSms,
  SmsCredentialsRejectedError,
  SmsProviderUnavailableError,
  type SmsResult,
  type SmsSender,
  type TwilioSmsOptions,
} from './notifications/sms.js';
export { conversionsReactor, tiktokEventId } from './conversions/conversions-reactor.js';
export { TikTokEventsClient, MAX_EVENTS_PER_REQUEST, type TikTokEvent } from './conversions/tiktok-client.js';
export { auditIndexProjector, type AuditIndexDoc } from './audit/audit-index-projector.js';
export * from './analytics/analytics-projector.js';
export * from './runtime/projection-versions.js';
export * from './runtime/projection-rebuild.js';

import { offeringsProjector } from './catalog/offerings-projector.js';
import { capacityProjector } from './booking/capacity-projector.js';
import { bookingsProjector } from './booking/bookings-projector.js';
import { bookingConfirmationReactor } from './reactors/booking-confirmation.js';
import { capacityReleaseReactor } from './reactors/capacity-release.js';
import { cancellationRefundReactor } from './reactors/cancellation-refund.js';
import { auditIndexProjector } from './audit/audit-index-projector.js';
import { usersProjector } from './identity/users-projector.js';
import { receiptsProjector } from './receipts/receipts-projector.js';
import { remindersProjector } from './notifications/reminders.js';
import { notificationPreferencesProjector } from './notifications/preferences-projector.js';
import { analyticsProjector } from './analytics/analytics-projector.js';

export const allProjectors = [
  offeringsProjector,
  capacityProjector,
  bookingsProjector,
  auditIndexProjector,
  usersProjector,
  receiptsProjector,
  remindersProjector,
  notificationPreferencesProjector,
  analyticsProjector,
];
export const allReactors = [bookingConfirmationReactor, capacityReleaseReactor, cancellationRefundReactor];
