/**
 * The `notification_preferences` read model the contact lookup merges into a contact:
 * the channels a user opted out of and the phone for SMS, from NotificationPreferencesChanged.
 */
import type { DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';
import type { ContactPreferenceDoc } from '../effects/contacts.js';

export const notificationPreferencesProjector: Projector = {
  name: 'notification_preferences',
  eventTypes: new Set(['NotificationPreferencesChanged']),
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    if (event.type !== 'NotificationPreferencesChanged') return;
    const d = event.data;
    const optOut: ContactPreferenceDoc['optOut'] = [
      ...(d.email ? [] : ['email' as const]),
      ...(d.sms ? [] : ['sms' as const]),
    ];
    await docs
      .collection<ContactPreferenceDoc & { _pos?: string }>('notification_preferences')
      .upsertAt(
        d.userId,
        d.phone ? { $set: { optOut, phone: d.phone } } : { $set: { optOut }, $unset: { phone: true } },
        pos,
      );
  },
};
