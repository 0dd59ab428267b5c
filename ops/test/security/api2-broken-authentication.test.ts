/** OWASP API2:2023 Broken authentication. Each attack is refused and appends nothing. */
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SECRET } from '@booking/shared-kernel';
import type { Harness } from '../../test-support/harness.js';
import { account, PASSWORD, refusedWithoutChange, startSecurityHarness, type Account } from './support.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('API2 broken authentication', () => {
  let h: Harness;
  let victim: Account;
  const book = (auth: { authorization: string }) => () =>
    h.http.post('/api/bookings').set(auth).send({ offeringId: '01900000-0000-7000-8000-000000000001', quantity: 1 });
  beforeAll(async () => {
    h = await startSecurityHarness({ LOCKOUT_THRESHOLD: '3', LOCKOUT_BASE_SECONDS: '60' });
    victim = await account(h, 'victim');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('alg none is refused', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: victim.userId, role: 'admin', iss: 'booking-platform', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${token}` }));
  });

  it('a token signed with another key is refused', async () => {
    const token = jwt.sign({ role: 'admin' }, 'x'.repeat(40), {
      algorithm: 'HS256',
      subject: victim.userId,
      issuer: 'booking-platform',
    });
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${token}` }));
  });

  it('an RS256 token (algorithm confusion) is refused', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ role: 'admin' }, privateKey, {
      algorithm: 'RS256',
      subject: victim.userId,
      issuer: 'booking-platform',
    });
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${token}` }));
  });

  it('an expired token is refused', async () => {
    const token = jwt.sign({ role: 'customer', exp: Math.floor(Date.now() / 1000) - 10 }, DEFAULT_JWT_SECRET, {
      algorithm: 'HS256',
      subject: victim.userId,
      issuer: 'booking-platform',
    });
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${token}` }));
  });

  it('a token from another issuer is refused', async () => {
    const token = jwt.sign({ role: 'customer' }, DEFAULT_JWT_SECRET, {
      algorithm: 'HS256',
      subject: victim.userId,
      issuer: 'evil',
    });
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${token}` }));
  });

  it('a logged-out (revoked) access token stops at once', async () => {
    const a = await account(h, 'leaver');
    expect((await h.http.post('/api/auth/logout').set(a.auth)).status).toBe(204);
    await refusedWithoutChange(h, 401, book(a.auth));
  });

  it("a suspended user's token stops at once, and the user cannot sign in or refresh", async () => {
    const a = await account(h, 'suspect');
    expect(
      (await h.http.post(`/api/admin/users/${a.userId}/suspend`).set(h.auth('admin-ada')).send({ reason: 'fraud' }))
        .status,
    ).toBe(200);
    await refusedWithoutChange(h, 401, book(a.auth));
    await refusedWithoutChange(h, 401, () => h.http.post('/api/auth/refresh').send({ refreshToken: a.refreshToken }));
    expect((await h.http.post('/api/auth/login').send({ email: a.email, password: PASSWORD })).status).toBe(401);
  });

  it('a reused refresh token revokes its whole family', async () => {
    const a = await account(h, 'stolen');
    const first = await h.http.post('/api/auth/refresh').send({ refreshToken: a.refreshToken });
    expect(first.status).toBe(200);
    // the thief replays the old token: refused, and the family is revoked
    expect((await h.http.post('/api/auth/refresh').send({ refreshToken: a.refreshToken })).status).toBe(401);
    await refusedWithoutChange(h, 401, () =>
      h.http.post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken }),
    );
    await refusedWithoutChange(h, 401, book({ authorization: `Bearer ${first.body.accessToken}` }));
  });

  it('a forged refresh token is refused', async () => {
    await refusedWithoutChange(h, 401, () =>
      h.http
        .post('/api/auth/refresh')
        .send({ refreshToken: `${Buffer.from(victim.userId).toString('base64url')}.abc.${'A'.repeat(43)}` }),
    );
  });

  it('brute force locks the account with a bounded, exponential lock', async () => {
    const a = await account(h, 'target');
    for (let i = 0; i < 3; i++)
      expect((await h.http.post('/api/auth/login').send({ email: a.email, password: `wrong-${i}-guess` })).status).toBe(
        401,
      );
    const locked = await refusedWithoutChange(h, 429, () =>
      h.http.post('/api/auth/login').send({ email: a.email, password: PASSWORD }),
    );
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(locked.body.code).toBe('account-locked');
  });

  it('login for an unknown email is refused like a wrong password', async () => {
    const r = await refusedWithoutChange(h, 401, () =>
      h.http.post('/api/auth/login').send({ email: 'ghost@example.com', password: PASSWORD }),
    );
    expect(r.body.detail).toBe('the email or password is not correct');
  });
});
