// @vitest-environment happy-dom
/**
 * Real sign-in: the access token stays in memory, the refresh token in localStorage; a
 * 401 renews the pair once (rotation) and retries; a dead refresh token ends the session;
 * a reload restores it; sign-out tells the server and forgets the refresh token.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { api } from '../src/lib/api';
import { REFRESH_KEY, useSessionStore } from '../src/stores/session';
import { FakeApi, json, problem, tokens } from './support/fake-api';

let fake: FakeApi;

beforeEach(() => {
  localStorage.clear();
  fake = new FakeApi();
  setActivePinia(createPinia());
});

describe('session', () => {
  it('signs in with email and password; only the refresh token is stored', async () => {
    const t = tokens('u-alice');
    fake.on('POST', '/api/auth/login', (r) =>
      (r.body as { password: string }).password === 'right-password-1'
        ? json(t)
        : problem(401, { detail: 'the email or password is not correct' }),
    );
    const session = useSessionStore();
    await expect(session.login('alice@example.com', 'wrong')).rejects.toMatchObject({ status: 401 });
    expect(session.signedIn).toBe(false);

    const user = await session.login('alice@example.com', 'right-password-1');
    expect(user).toMatchObject({ id: 'u-alice', role: 'customer' });
    expect(session.signedIn).toBe(true);
    const stored = localStorage.getItem(REFRESH_KEY)!;
    expect(JSON.parse(stored).refreshToken).toBe(t.refreshToken);
    expect(stored).not.toContain(t.accessToken);
    // the login request itself carried no bearer token
    expect(fake.called('POST', '/api/auth/login')[0]!.headers.authorization).toBeUndefined();
  });

  it('renews an expired access token once, with rotation, and retries the request', async () => {
    const first = tokens('u-alice', 'customer', 1);
    const second = tokens('u-alice', 'customer', 2);
    fake.on('POST', '/api/auth/login', first);
    let refreshes = 0;
    fake.on('POST', '/api/auth/refresh', (r) => {
      refreshes++;
      return (r.body as { refreshToken: string }).refreshToken === first.refreshToken
        ? json(second)
        : problem(401, { detail: 'the refresh token is not valid' });
    });
    fake.on('GET', '/api/me/bookings', (r) =>
      r.headers.authorization === `Bearer ${second.accessToken}`
        ? json({ items: [], total: 0, page: 1, pageSize: 100 })
        : problem(401, { detail: 'token expired' }),
    );
    const session = useSessionStore();
    await session.login('alice@example.com', 'right-password-1');

    // two requests fail at once: one refresh serves both
    const [a, b] = await Promise.all([api.get('/api/me/bookings'), api.get('/api/me/bookings')]);
    expect(a).toMatchObject({ total: 0 });
    expect(b).toMatchObject({ total: 0 });
    expect(refreshes).toBe(1);
    expect(JSON.parse(localStorage.getItem(REFRESH_KEY)!).refreshToken).toBe(second.refreshToken);
    expect(session.signedIn).toBe(true);
  });

  it('ends the session when the refresh token is refused', async () => {
    fake.on('POST', '/api/auth/login', tokens('u-bob'));
    fake.on('POST', '/api/auth/refresh', problem(401, { detail: 'the refresh token is not valid' }));
    fake.on('GET', '/api/me/bookings', problem(401, { detail: 'token expired' }));
    const session = useSessionStore();
    await session.login('bob@example.com', 'right-password-1');
    await expect(api.get('/api/me/bookings')).rejects.toMatchObject({ status: 401 });
    expect(session.signedIn).toBe(false);
    expect(session.expiredNotice).toBe(true);
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
  });

  it('restores a session after a reload from the stored refresh token', async () => {
    const first = tokens('u-alice', 'provider', 1);
    const second = tokens('u-alice', 'provider', 2);
    fake.on('POST', '/api/auth/login', first);
    fake.on('POST', '/api/auth/refresh', second);
    await useSessionStore().login('alice@example.com', 'right-password-1');

    // a new page: a fresh store sees the stored refresh token, but no access token yet
    setActivePinia(createPinia());
    const reloaded = useSessionStore();
    expect(reloaded.restoring).toBe(true);
    expect(reloaded.signedIn).toBe(false);
    await reloaded.restore();
    expect(reloaded.signedIn).toBe(true);
    expect(reloaded.hasRole('provider')).toBe(true);
    expect(reloaded.token).toBe(second.accessToken);
    expect(fake.called('POST', '/api/auth/refresh')[0]!.body).toEqual({ refreshToken: first.refreshToken });
  });

  it('signs out on the server with the refresh token and forgets it here', async () => {
    const t = tokens('u-alice');
    fake.on('POST', '/api/auth/login', t);
    fake.on('POST', '/api/auth/logout', () => new Response(null, { status: 204 }));
    const session = useSessionStore();
    await session.login('alice@example.com', 'right-password-1');
    await session.signOut();
    const logout = fake.called('POST', '/api/auth/logout')[0]!;
    expect(logout.headers.authorization).toBe(`Bearer ${t.accessToken}`);
    expect(logout.body).toEqual({ refreshToken: t.refreshToken });
    expect(session.signedIn).toBe(false);
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
  });

  it('keeps the demo chooser: a demo login with an account gets a refreshable session', async () => {
    const t = tokens('customer-alice');
    fake.on('POST', '/api/demo/login', {
      token: t.accessToken,
      ...t,
      user: {
        id: 'customer-alice',
        role: 'customer',
        roles: ['customer'],
        name: 'Alice Martin',
        email: 'alice@example.com',
      },
    });
    const session = useSessionStore();
    const user = await session.signIn('customer-alice');
    expect(user.name).toBe('Alice Martin');
    expect(JSON.parse(localStorage.getItem(REFRESH_KEY)!).refreshToken).toBe(t.refreshToken);
  });
});
