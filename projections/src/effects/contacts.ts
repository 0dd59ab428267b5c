/** The contact lookup: the `users` read model first, then a static fallback list. */
import type { Contact, ContactDirectory, DocumentStore } from '@booking/shared-kernel';
import type { UserDoc } from '../identity/users-projector.js';

export interface ContactPreferenceDoc {
  _id: string;
  optOut: ('email' | 'sms')[];
  phone?: string;
}

export function readModelContacts(docs: DocumentStore, fallback: readonly Contact[] = []): ContactDirectory {
  return {
    async contact(userId: string): Promise<Contact | null> {
      const [user, prefs] = await Promise.all([
        docs
          .collection<UserDoc>('users')
          .get(userId)
          .catch(() => null),
        docs
          .collection<ContactPreferenceDoc & { _pos?: string }>('notification_preferences')
          .get(userId)
          .catch(() => null),
      ]);
      const base: Contact | null = user
        ? { id: userId, name: user.name, email: user.email }
        : (fallback.find((c) => c.id === userId) ?? null);
      if (!base) return null;
      return {
        ...base,
        ...(prefs?.phone ? { phone: prefs.phone } : {}),
        ...(prefs?.optOut?.length ? { optOut: prefs.optOut } : {}),
      };
    },
  };
}
