/**
 * Register -> verification mail from the outbox -> verify -> login -> book -> refresh ->
 * logout (the refresh token and the access token stop working); password reset by mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysOpenSchedule, type Harness } from '../../test-support/harness.js';
import { account, outbox, PASSWORD, startSecurityHarness, tokenFromMail } from './support.js';

describe('identity end to end over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSecurityHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('register, verify, login, book, refresh, logout', async () => {
    const email = 'carol@example.com';
    const reg = await h.http.post('/api/auth/register').send({ email, password: PASSWORD, name: 'Carol' });
    expect(reg.status).toBe(202);
    const early = await h.http.post('/api/auth/login').send({ email, password: PASSWORD });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('email-not-verified');

    const mail = outbox(h, email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toMatch(/confirm/i);
    const token = tokenFromMail(mail[0]!.text);
    expect((await h.http.post('/api/auth/verify-email').send({ token })).status).toBe(200);
    expect((await h.http.post('/api/auth/verify-email').send({ token })).status).toBe(409); // single use

    const login = await h.http.post('/api/auth/login').send({ email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email, roles: ['customer'], role: 'customer' });
    const auth = { authorization: `Bearer ${login.body.accessToken}` };
    // no secret leaks into the read model or the log
    const events = await h.platform.eventStore.readStream(`user-${login.body.user.id}`);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(PASSWORD);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(login.body.refreshToken);

    const offering = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const detail = await h.http
      .get(`/api/offerings/${offering.body.offeringId}`)
      .set('x-min-position', offering.body.position);
    const booked = await h.http
      .post('/api/bookings')
      .set(auth)
      .send({ offeringId: offering.body.offeringId, slotStart: detail.body.slots[2].start });
    expect(booked.status).toBe(201);
    const mine = await h.http.get('/api/me/bookings').set(auth).set('x-min-position', booked.body.position);
    expect(mine.body.items.map((b: { id: string }) => b.id)).toEqual([booked.body.bookingId]);
    const me = await h.http.get('/api/me').set(auth).set('x-min-position', booked.body.position);
    expect(me.body).toMatchObject({ email, roles: ['customer'], emailVerified: true, account: true });
    expect(me.body.passwordHash).toBeUndefined();

    const refreshed = await h.http.post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    const auth2 = { authorization: `Bearer ${refreshed.body.accessToken}` };
    expect((await h.http.get('/api/me/bookings').set(auth2)).status).toBe(200);

    expect((await h.http.post('/api/auth/logout').set(auth2)).status).toBe(204);
    expect((await h.http.post('/api/auth/refresh').send({ refreshToken: refreshed.body.refreshToken })).status).toBe(
      401,
    );
    expect((await h.http.get('/api/me/bookings').set(auth2)).status).toBe(401);
    expect((await h.http.get('/api/me/bookings').set(auth)).status).toBe(401);
  });

  it('password reset by emailed single-use token ends every session', async () => {
    const a = await account(h, 'dave');
    const forgot = await h.http.post('/api/auth/password/forgot').send({ email: a.email });
    expect(forgot.status).toBe(202);
    // an unknown address answers the same (no enumeration) and sends nothing
    expect((await h.http.post('/api/auth/password/forgot').send({ email: 'nobody@example.com' })).status).toBe(202);
    expect(outbox(h, 'nobody@example.com')).toHaveLength(0);
    const token = tokenFromMail(outbox(h, a.email).at(-1)!.text);
    const reset = await h.http.post('/api/auth/password/reset').send({ token, password: 'a brand new passphrase' });
    expect(reset.status).toBe(200);
    expect(
      (await h.http.post('/api/auth/password/reset').send({ token, password: 'another new passphrase' })).status,
    ).toBe(409);
    expect((await h.http.get('/api/me/bookings').set(a.auth)).status).toBe(401);
    expect((await h.http.post('/api/auth/login').send({ email: a.email, password: PASSWORD })).status).toBe(401);
    expect(
      (await h.http.post('/api/auth/login').send({ email: a.email, password: 'a brand new passphrase' })).status,
    ).toBe(200);
  });

  it('a customer applies to be a provider; an admin approves; the same token now acts as provider', async () => {
    const a = await account(h, 'erin');
    expect(
      (
        await h.http
          .post('/api/offerings')
          .set(a.auth)
          .send({ kind: 'product', title: 'Mug', category: 'c', price: { amount: 100, currency: 'EUR' }, stock: 1 })
      ).status,
    ).toBe(403);
    expect(
      (await h.http.post('/api/me/provider-application').set(a.auth).send({ businessName: 'Erin Pottery' })).status,
    ).toBe(200);
    const decided = await h.http
      .post(`/api/admin/users/${a.userId}/provider-application/decision`)
      .set(h.auth('admin-ada'))
      .send({ decision: 'approved' });
    expect(decided.status).toBe(200);
    expect(decided.body.user.roles).toEqual(['customer', 'provider']);
    const created = await h.http
      .post('/api/offerings')
      .set(a.auth)
      .send({ kind: 'product', title: 'Mug', category: 'c', price: { amount: 100, currency: 'EUR' }, stock: 1 });
    expect(created.status).toBe(201);
  });
});
