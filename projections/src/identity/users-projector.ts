/** The users read model (`users`): profile, roles, status, provider application. Never
 *  any credential: no password hashes, no token digests, no sessions. */
import type { Doc, DocumentStore } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';

export interface UserDoc extends Doc {
  email: string;
  name: string;
  roles: string[];
  status: 'active' | 'suspended';
  emailVerified: boolean;
  signUpMethod: string;
  providerApplication: {
    status: 'pending' | 'approved' | 'rejected';
    businessName: string;
    note?: string;
    submittedAt: string;
  } | null;
  linkedProviders: string[];
  searchText: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
  suspendedReason?: string;
}

const TYPES = new Set([
  'UserRegistered',
  'UserEmailVerified',
  'UserLoggedIn',
  'UserRoleGranted',
  'UserRoleRevoked',
  'ProviderApplicationSubmitted',
  'ProviderApplicationDecided',
  'UserSuspended',
  'UserReactivated',
  'ExternalIdentityLinked',
]);

export const usersProjector: Projector = {
  name: 'users',
  eventTypes: TYPES,
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const users = docs.collection<UserDoc>('users');
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'UserRegistered': {
        const d = event.data;
        await users.upsertAt(
          d.userId,
          {
            $set: {
              email: d.email,
              name: d.name,
              roles: d.roles,
              status: 'active',
              emailVerified: d.emailVerified,
              signUpMethod: d.method,
              providerApplication: null,
              linkedProviders: [],
              searchText: `${d.email} ${d.name}`.toLowerCase(),
              createdAt: at,
              updatedAt: at,
              lastLoginAt: null,
            },
          },
          pos,
        );
        return;
      }
      case 'UserEmailVerified':
        await users.upsertAt(event.data.userId, { $set: { emailVerified: true, updatedAt: at } }, pos);
        return;
      case 'UserLoggedIn':
        await users.upsertAt(event.data.userId, { $set: { lastLoginAt: at } }, pos);
        return;
      case 'UserRoleGranted':
        await users.upsertAt(event.data.userId, { $push: { roles: event.data.role }, $set: { updatedAt: at } }, pos);
        return;
      case 'UserRoleRevoked':
        await users.upsertAt(event.data.userId, { $pull: { roles: event.data.role }, $set: { updatedAt: at } }, pos);
        return;
      case 'ProviderApplicationSubmitted': {
        const d = event.data;
        await users.upsertAt(
          d.userId,
          {
            $set: {
              providerApplication: {
                status: 'pending',
                businessName: d.businessName,
                ...(d.note ? { note: d.note } : {}),
                submittedAt: at,
              },
              updatedAt: at,
            },
          },
          pos,
        );
        return;
      }
      case 'ProviderApplicationDecided':
        await users.upsertAt(
          event.data.userId,
          { $set: { 'providerApplication.status': event.data.decision, updatedAt: at } },
          pos,
        );
        return;
      case 'UserSuspended':
        await users.upsertAt(
          event.data.userId,
          { $set: { status: 'suspended', suspendedReason: event.data.reason, updatedAt: at } },
          pos,
        );
        return;
      case 'UserReactivated':
        await users.upsertAt(
          event.data.userId,
          { $set: { status: 'active', updatedAt: at }, $unset: { suspendedReason: true } },
          pos,
        );
        return;
      case 'ExternalIdentityLinked':
        await users.upsertAt(
          event.data.userId,
          { $push: { linkedProviders: event.data.provider }, $set: { updatedAt: at } },
          pos,
        );
        return;
    }
  },
};
