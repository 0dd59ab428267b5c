/** The user aggregate (`user-<id>`): its commands, state and pure decider. Hashing and
 *  token generation happen outside; the decider only sees digests and `now`. */
import {
  DomainRuleError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  type Decider,
  type IdentityEvent,
  type IdentityProviderName,
  type SignInMethod,
  type UserRoleName,
} from '@booking/shared-kernel';

export interface SessionState {
  readonly currentHash: string;
  /** refresh tokens already rotated away: presenting one again is reuse */
  readonly usedHashes: readonly string[];
  readonly expiresAt: string;
  readonly revoked: boolean;
}

export interface UserState {
  readonly exists: boolean;
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string | null;
  readonly roles: readonly UserRoleName[];
  readonly status: 'active' | 'suspended';
  readonly emailVerified: boolean;
  readonly verification: { tokenHash: string; expiresAt: string } | null;
  readonly reset: { tokenHash: string; expiresAt: string } | null;
  readonly failedLogins: number;
  readonly lockedUntil: string | null;
  readonly sessions: Readonly<Record<string, SessionState>>;
  readonly providerApplication: { status: 'pending' | 'approved' | 'rejected'; businessName: string } | null;
  readonly identities: readonly { provider: IdentityProviderName; subjectHash: string }[];
  readonly notifications: { email: boolean; sms: boolean; phone: string | null };
}

export const initialUserState: UserState = {
  exists: false,
  userId: '',
  email: '',
  name: '',
  passwordHash: null,
  roles: [],
  status: 'active',
  emailVerified: false,
  verification: null,
  reset: null,
  failedLogins: 0,
  lockedUntil: null,
  sessions: {},
  providerApplication: null,
  identities: [],
  notifications: { email: true, sms: true, phone: null },
};

export interface LockoutPolicy {
  threshold: number;
  baseSeconds: number;
  maxSeconds: number;
}

export type UserCommand =
  | {
      type: 'Register';
      userId: string;
      email: string;
      name: string;
      passwordHash: string | null;
      roles: UserRoleName[];
      method: SignInMethod;
      emailVerified: boolean;
      verification?: { tokenHash: string; expiresAt: string };
    }
  | { type: 'IssueVerification'; tokenHash: string; expiresAt: string }
  | { type: 'VerifyEmail'; tokenHash: string; now: string }
  | {
      type: 'Login';
      passwordOk: boolean;
      now: string;
      policy: LockoutPolicy;
      session: { sessionId: string; refreshTokenHash: string; expiresAt: string };
      method: SignInMethod;
    }
  | { type: 'Refresh'; sessionId: string; tokenHash: string; newHash: string; expiresAt: string; now: string }
  | { type: 'Logout'; sessionId: string }
  | { type: 'RequestPasswordReset'; tokenHash: string; expiresAt: string }
  | { type: 'ResetPassword'; tokenHash: string; passwordHash: string; now: string }
  | { type: 'SetPassword'; passwordHash: string; via: 'admin' | 'bootstrap' }
  | { type: 'GrantRole'; role: UserRoleName }
  | { type: 'RevokeRole'; role: UserRoleName }
  | { type: 'ApplyForProvider'; businessName: string; note?: string }
  | { type: 'DecideProviderApplication'; decision: 'approved' | 'rejected'; reason?: string }
  | { type: 'Suspend'; reason: string }
  | { type: 'Reactivate' }
  | { type: 'LinkIdentity'; provider: IdentityProviderName; subjectHash: string }
  | { type: 'SetNotificationPreferences'; userId: string; email: boolean; sms: boolean; phone?: string };

/** Lock time after the `failures`-th consecutive failure: base doubling per failure past
 *  the threshold, capped, so a victim is never locked out for long. */
export function lockSeconds(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.threshold) return 0;
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(20, failures - policy.threshold));
}

function must(state: UserState): void {
  if (!state.exists) throw new NotFoundError('user');
}

function liveSessions(state: UserState): string[] {
  return Object.entries(state.sessions)
    .filter(([, s]) => !s.revoked)
    .map(([id]) => id);
}

export function decideUser(command: UserCommand, state: UserState): IdentityEvent[] {
  const userId = state.userId;
  switch (command.type) {
    case 'Register': {
      if (state.exists) return [];
      const { type: _t, verification, ...data } = command;
      const events: IdentityEvent[] = [{ type: 'UserRegistered', data }];
      if (verification && !data.emailVerified)
        events.push({ type: 'UserEmailVerificationIssued', data: { userId: data.userId, ...verification } });
      return events;
    }
    case 'IssueVerification':
      must(state);
      if (state.emailVerified) return [];
      return [
        {
          type: 'UserEmailVerificationIssued',
          data: { userId, tokenHash: command.tokenHash, expiresAt: command.expiresAt },
        },
      ];
    case 'VerifyEmail': {
      must(state);
      const v = state.verification;
      if (!v || v.tokenHash !== command.tokenHash || v.expiresAt <= command.now) {
        throw new DomainRuleError('invalid-token', 'the verification link is not valid or has expired');
      }
      return [{ type: 'UserEmailVerified', data: { userId, email: state.email } }];
    }
    case 'Login': {
      must(state);
      if (state.lockedUntil && state.lockedUntil > command.now) {
        const seconds = Math.ceil((Date.parse(state.lockedUntil) - Date.parse(command.now)) / 1000);
        throw new TooManyRequestsError(
          'too many failed sign-ins; the account is locked for a while',
          seconds,
          'account-locked',
        );
      }
      if (!command.passwordOk) {
        const failedAttempts = state.failedLogins + 1;
        const seconds = lockSeconds(failedAttempts, command.policy);
        const lockedUntil = seconds > 0 ? new Date(Date.parse(command.now) + seconds * 1000).toISOString() : undefined;
        return [{ type: 'UserLoginFailed', data: { userId, failedAttempts, ...(lockedUntil ? { lockedUntil } : {}) } }];
      }
      if (state.status === 'suspended') throw new UnauthorizedError('this account is suspended');
      if (!state.emailVerified) throw new DomainRuleError('email-not-verified', 'verify your email address first');
      return [{ type: 'UserLoggedIn', data: { userId, ...command.session, method: command.method } }];
    }
    case 'Refresh': {
      must(state);
      const s = state.sessions[command.sessionId];
      if (!s || s.revoked) throw new UnauthorizedError('the refresh token is not valid');
      if (s.usedHashes.includes(command.tokenHash)) {
        // A rotated-away token came back: someone holds a copy. The whole family goes.
        return [
          { type: 'SessionRevoked', data: { userId, sessionId: command.sessionId, reason: 'refresh-token-reuse' } },
        ];
      }
      if (s.currentHash !== command.tokenHash || s.expiresAt <= command.now)
        throw new UnauthorizedError('the refresh token is not valid');
      if (state.status === 'suspended') throw new UnauthorizedError('this account is suspended');
      return [
        {
          type: 'RefreshTokenRotated',
          data: {
            userId,
            sessionId: command.sessionId,
            previousHash: command.tokenHash,
            refreshTokenHash: command.newHash,
            expiresAt: command.expiresAt,
          },
        },
      ];
    }
    case 'Logout': {
      must(state);
      const s = state.sessions[command.sessionId];
      if (!s || s.revoked) return [];
      return [{ type: 'SessionRevoked', data: { userId, sessionId: command.sessionId, reason: 'logout' } }];
    }
    case 'RequestPasswordReset':
      must(state);
      return [
        {
          type: 'PasswordResetRequested',
          data: { userId, tokenHash: command.tokenHash, expiresAt: command.expiresAt },
        },
      ];
    case 'ResetPassword': {
      must(state);
      const r = state.reset;
      if (!r || r.tokenHash !== command.tokenHash || r.expiresAt <= command.now) {
        throw new DomainRuleError('invalid-token', 'the reset link is not valid or has expired');
      }
      return [
        { type: 'PasswordChanged', data: { userId, passwordHash: command.passwordHash, via: 'reset' } },
        ...liveSessions(state).map((sessionId) => ({
          type: 'SessionRevoked' as const,
          data: { userId, sessionId, reason: 'password-reset' as const },
        })),
      ];
    }
    case 'SetPassword':
      must(state);
      return [
        { type: 'PasswordChanged', data: { userId, passwordHash: command.passwordHash, via: command.via } },
        ...liveSessions(state).map((sessionId) => ({
          type: 'SessionRevoked' as const,
          data: { userId, sessionId, reason: 'admin' as const },
        })),
      ];
    case 'GrantRole':
      must(state);
      if (state.roles.includes(command.role)) return [];
      return [{ type: 'UserRoleGranted', data: { userId, role: command.role } }];
    case 'RevokeRole':
      must(state);
      if (!state.roles.includes(command.role)) return [];
      if (state.roles.length === 1) throw new DomainRuleError('last-role', 'a user keeps at least one role');
      return [{ type: 'UserRoleRevoked', data: { userId, role: command.role } }];
    case 'ApplyForProvider':
      must(state);
      if (state.roles.includes('provider'))
        throw new DomainRuleError('already-provider', 'this user is already a provider');
      if (state.providerApplication?.status === 'pending') return [];
      return [
        {
          type: 'ProviderApplicationSubmitted',
          data: { userId, businessName: command.businessName, ...(command.note ? { note: command.note } : {}) },
        },
      ];
    case 'DecideProviderApplication': {
      must(state);
      if (state.providerApplication?.status !== 'pending')
        throw new DomainRuleError('no-pending-application', 'this user has no pending provider application');
      const decided: IdentityEvent = {
        type: 'ProviderApplicationDecided',
        data: { userId, decision: command.decision, ...(command.reason ? { reason: command.reason } : {}) },
      };
      return command.decision === 'approved' && !state.roles.includes('provider')
        ? [decided, { type: 'UserRoleGranted', data: { userId, role: 'provider' } }]
        : [decided];
    }
    case 'Suspend':
      must(state);
      if (state.status === 'suspended') return [];
      return [
        { type: 'UserSuspended', data: { userId, reason: command.reason } },
        ...liveSessions(state).map((sessionId) => ({
          type: 'SessionRevoked' as const,
          data: { userId, sessionId, reason: 'suspended' as const },
        })),
      ];
    case 'Reactivate':
      must(state);
      if (state.status === 'active') return [];
      return [{ type: 'UserReactivated', data: { userId } }];
    case 'LinkIdentity':
      must(state);
      if (state.identities.some((i) => i.provider === command.provider && i.subjectHash === command.subjectHash))
        return [];
      return [
        {
          type: 'ExternalIdentityLinked',
          data: { userId, provider: command.provider, subjectHash: command.subjectHash },
        },
      ];
    case 'SetNotificationPreferences': {
      // no `must`: accounts known only from the static contact list (demo users) have no
      // registration on their stream and still choose their channels
      const n = state.notifications;
      if (n.email === command.email && n.sms === command.sms && n.phone === (command.phone ?? null)) return [];
      const { type: _t, ...data } = command;
      return [{ type: 'NotificationPreferencesChanged', data }];
    }
  }
}

export function evolveUser(state: UserState, event: IdentityEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const d = event.data;
      return {
        ...initialUserState,
        exists: true,
        userId: d.userId,
        email: d.email,
        name: d.name,
        passwordHash: d.passwordHash ?? null,
        roles: d.roles,
        emailVerified: d.emailVerified,
        notifications: state.notifications,
      };
    }
    case 'UserEmailVerificationIssued':
      return { ...state, verification: { tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt } };
    case 'UserEmailVerified':
      return { ...state, emailVerified: true, verification: null };
    case 'UserLoggedIn': {
      const d = event.data;
      return {
        ...state,
        failedLogins: 0,
        lockedUntil: null,
        sessions: {
          ...state.sessions,
          [d.sessionId]: { currentHash: d.refreshTokenHash, usedHashes: [], expiresAt: d.expiresAt, revoked: false },
        },
      };
    }
    case 'UserLoginFailed':
      return {
        ...state,
        failedLogins: event.data.failedAttempts,
        lockedUntil: event.data.lockedUntil ?? state.lockedUntil,
      };
    case 'RefreshTokenRotated': {
      const d = event.data;
      const s = state.sessions[d.sessionId];
      if (!s) return state;
      return {
        ...state,
        sessions: {
          ...state.sessions,
          [d.sessionId]: {
            ...s,
            currentHash: d.refreshTokenHash,
            usedHashes: [...s.usedHashes, d.previousHash],
            expiresAt: d.expiresAt,
          },
        },
      };
    }
    case 'SessionRevoked': {
      const s = state.sessions[event.data.sessionId];
      if (!s) return state;
      return { ...state, sessions: { ...state.sessions, [event.data.sessionId]: { ...s, revoked: true } } };
    }
    case 'PasswordResetRequested':
      return { ...state, reset: { tokenHash: event.data.tokenHash, expiresAt: event.data.expiresAt } };
    case 'PasswordChanged':
      // a reset also proves the mailbox, and ends any lock
      return {
        ...state,
        passwordHash: event.data.passwordHash,
        reset: null,
        failedLogins: 0,
        lockedUntil: null,
        emailVerified: state.emailVerified || event.data.via === 'reset',
      };
    case 'UserRoleGranted':
      return { ...state, roles: [...state.roles, event.data.role] };
    case 'UserRoleRevoked':
      return { ...state, roles: state.roles.filter((r) => r !== event.data.role) };
    case 'ProviderApplicationSubmitted':
      return { ...state, providerApplication: { status: 'pending', businessName: event.data.businessName } };
    case 'ProviderApplicationDecided':
      return state.providerApplication
        ? { ...state, providerApplication: { ...state.providerApplication, status: event.data.decision } }
        : state;
    case 'UserSuspended':
      return { ...state, status: 'suspended' };
    case 'UserReactivated':
      return { ...state, status: 'active' };
    case 'ExternalIdentityLinked':
      return {
        ...state,
        identities: [...state.identities, { provider: event.data.provider, subjectHash: event.data.subjectHash }],
      };
    case 'NotificationPreferencesChanged':
      return {
        ...state,
        notifications: { email: event.data.email, sms: event.data.sms, phone: event.data.phone ?? null },
      };
    default:
      return state;
  }
}

export const userDecider: Decider<UserCommand, UserState, IdentityEvent> = {
  initialState: initialUserState,
  decide: decideUser,
  evolve: evolveUser,
};

/** `email-<hash>` / `idp-<provider>-<hash>` streams: first claim wins, a claim by the same
 *  user again is a no-op, anyone else is refused. */
export interface UniqueKeyState {
  readonly owner: string | null;
}
export const uniqueKeyDecider: Decider<{ keyHash: string; userId: string }, UniqueKeyState, IdentityEvent> = {
  initialState: { owner: null },
  decide(command, state) {
    if (state.owner === command.userId) return [];
    if (state.owner !== null) throw new DomainRuleError('already-taken', 'already taken');
    return [{ type: 'UniqueKeyClaimed', data: { keyHash: command.keyHash, userId: command.userId } }];
  },
  evolve(state, event) {
    return event.type === 'UniqueKeyClaimed' ? { owner: event.data.userId } : state;
  },
};
