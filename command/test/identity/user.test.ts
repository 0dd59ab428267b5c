/** The user decider: given events / when command / then events (or error). */
import { describe, expect, it } from 'vitest';
import type { IdentityEvent } from '@booking/shared-kernel';
import { lockSeconds, userDecider, type UserCommand } from '../../src/identity/user.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(userDecider);
const U = 'user-1';
const H = (c: string) => c.repeat(64);
const PW = `scrypt$12$8$1$${'A'.repeat(24)}$${'B'.repeat(44)}`;
const NOW = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-02T00:00:00.000Z';
const POLICY = { threshold: 3, baseSeconds: 30, maxSeconds: 300 };

const registered: IdentityEvent = {
  type: 'UserRegistered',
  data: {
    userId: U,
    email: 'a@example.com',
    name: 'A',
    passwordHash: PW,
    roles: ['customer'],
    method: 'password',
    emailVerified: false,
  },
};
const issued: IdentityEvent = {
  type: 'UserEmailVerificationIssued',
  data: { userId: U, tokenHash: H('a'), expiresAt: '2030-01-01T12:00:00.000Z' },
};
const verified: IdentityEvent = { type: 'UserEmailVerified', data: { userId: U, email: 'a@example.com' } };
const loggedIn: IdentityEvent = {
  type: 'UserLoggedIn',
  data: { userId: U, sessionId: 's1', refreshTokenHash: H('1'), expiresAt: LATER, method: 'password' },
};
const rotated: IdentityEvent = {
  type: 'RefreshTokenRotated',
  data: { userId: U, sessionId: 's1', previousHash: H('1'), refreshTokenHash: H('2'), expiresAt: LATER },
};
const login = (passwordOk: boolean, now = NOW): UserCommand => ({
  type: 'Login',
  passwordOk,
  now,
  policy: POLICY,
  method: 'password',
  session: { sessionId: 's2', refreshTokenHash: H('9'), expiresAt: LATER },
});
const failed = (n: number, lockedUntil?: string): IdentityEvent => ({
  type: 'UserLoginFailed',
  data: { userId: U, failedAttempts: n, ...(lockedUntil ? { lockedUntil } : {}) },
});
const active = [registered, issued, verified, loggedIn];

describe('user decider', () => {
  it('registers once; registering again changes nothing', () => {
    spec
      .given([])
      .when({
        type: 'Register',
        userId: U,
        email: 'a@example.com',
        name: 'A',
        passwordHash: PW,
        roles: ['customer'],
        method: 'password',
        emailVerified: false,
        verification: { tokenHash: H('a'), expiresAt: '2030-01-01T12:00:00.000Z' },
      })
      .then([registered, issued]);
    spec
      .given([registered])
      .when({
        type: 'Register',
        userId: U,
        email: 'a@example.com',
        name: 'A',
        passwordHash: PW,
        roles: ['admin'],
        method: 'password',
        emailVerified: true,
      })
      .thenNothing();
  });

  it('verifies the email with the right unexpired token only, once', () => {
    spec
      .given([registered, issued])
      .when({ type: 'VerifyEmail', tokenHash: H('a'), now: NOW })
      .then([verified]);
    spec
      .given([registered, issued])
      .when({ type: 'VerifyEmail', tokenHash: H('b'), now: NOW })
      .thenThrows('invalid-token');
    spec
      .given([registered, issued])
      .when({ type: 'VerifyEmail', tokenHash: H('a'), now: LATER })
      .thenThrows('invalid-token');
    spec
      .given([registered, issued, verified])
      .when({ type: 'VerifyEmail', tokenHash: H('a'), now: NOW })
      .thenThrows('invalid-token');
  });

  it('refuses to sign in before verification; records failures and locks with capped exponential time', () => {
    spec.given([registered, issued]).when(login(true)).thenThrows('email-not-verified');
    spec
      .given([registered, issued, verified])
      .when(login(false))
      .then([failed(1)]);
    spec
      .given([registered, issued, verified, failed(1), failed(2)])
      .when(login(false))
      .then([failed(3, '2030-01-01T00:00:30.000Z')]);
    spec
      .given([registered, issued, verified, failed(3, '2030-01-01T00:00:30.000Z')])
      .when(login(true))
      .thenThrows('account-locked', { kind: 'rate-limited' });
    // after the lock a correct password works and resets the counter
    const s = spec
      .given([registered, issued, verified, failed(3, '2030-01-01T00:00:30.000Z')])
      .when(login(true, '2030-01-01T00:01:00.000Z'))
      .thenState();
    expect(s.failedLogins).toBe(0);
    expect([3, 4, 5, 6, 7, 50].map((n) => lockSeconds(n, POLICY))).toEqual([30, 60, 120, 240, 300, 300]);
    expect(lockSeconds(2, POLICY)).toBe(0);
  });

  it('rotates refresh tokens and revokes the family when a rotated-away token comes back', () => {
    const refresh = (hash: string): UserCommand => ({
      type: 'Refresh',
      sessionId: 's1',
      tokenHash: hash,
      newHash: H('3'),
      expiresAt: LATER,
      now: NOW,
    });
    spec
      .given(active)
      .when({ type: 'Refresh', sessionId: 's1', tokenHash: H('1'), newHash: H('2'), expiresAt: LATER, now: NOW })
      .then([rotated]);
    spec
      .given([...active, rotated])
      .when(refresh(H('1')))
      .then([{ type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'refresh-token-reuse' } }]);
    spec
      .given([
        ...active,
        rotated,
        { type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'refresh-token-reuse' } },
      ])
      .when(refresh(H('2')))
      .thenThrows('unauthorized');
    spec
      .given(active)
      .when(refresh(H('7')))
      .thenThrows('unauthorized');
    spec
      .given(active)
      .when({ ...refresh(H('1')), now: '2030-02-01T00:00:00.000Z' } as UserCommand)
      .thenThrows('unauthorized');
  });

  it('logout revokes the session; a password reset revokes every session', () => {
    spec
      .given(active)
      .when({ type: 'Logout', sessionId: 's1' })
      .then([{ type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'logout' } }]);
    spec
      .given([...active, { type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'logout' } }])
      .when({ type: 'Logout', sessionId: 's1' })
      .thenNothing();
    const reset: IdentityEvent = {
      type: 'PasswordResetRequested',
      data: { userId: U, tokenHash: H('c'), expiresAt: '2030-01-01T00:30:00.000Z' },
    };
    spec
      .given([...active, reset])
      .when({ type: 'ResetPassword', tokenHash: H('c'), passwordHash: PW, now: NOW })
      .then([
        { type: 'PasswordChanged', data: { userId: U, passwordHash: PW, via: 'reset' } },
        { type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'password-reset' } },
      ]);
    spec
      .given([...active, reset])
      .when({ type: 'ResetPassword', tokenHash: H('c'), passwordHash: PW, now: LATER })
      .thenThrows('invalid-token');
    spec
      .given([...active, reset, { type: 'PasswordChanged', data: { userId: U, passwordHash: PW, via: 'reset' } }])
      .when({ type: 'ResetPassword', tokenHash: H('c'), passwordHash: PW, now: NOW })
      .thenThrows('invalid-token');
  });

  it('suspension revokes sessions and blocks sign-in; roles and provider applications', () => {
    spec
      .given(active)
      .when({ type: 'Suspend', reason: 'fraud' })
      .then([
        { type: 'UserSuspended', data: { userId: U, reason: 'fraud' } },
        { type: 'SessionRevoked', data: { userId: U, sessionId: 's1', reason: 'suspended' } },
      ]);
    spec
      .given([...active, { type: 'UserSuspended', data: { userId: U, reason: 'x' } }])
      .when(login(true))
      .thenThrows('unauthorized');
    spec.given(active).when({ type: 'RevokeRole', role: 'customer' }).thenThrows('last-role');
    spec
      .given(active)
      .when({ type: 'ApplyForProvider', businessName: 'Studio' })
      .then([{ type: 'ProviderApplicationSubmitted', data: { userId: U, businessName: 'Studio' } }]);
    spec
      .given([...active, { type: 'ProviderApplicationSubmitted', data: { userId: U, businessName: 'Studio' } }])
      .when({ type: 'DecideProviderApplication', decision: 'approved' })
      .then([
        { type: 'ProviderApplicationDecided', data: { userId: U, decision: 'approved' } },
        { type: 'UserRoleGranted', data: { userId: U, role: 'provider' } },
      ]);
    spec
      .given(active)
      .when({ type: 'DecideProviderApplication', decision: 'approved' })
      .thenThrows('no-pending-application');
    spec.given([]).when({ type: 'GrantRole', role: 'admin' }).thenThrows('not-found');
  });
});
