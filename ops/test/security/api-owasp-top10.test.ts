/**
 * OWASP API Security Top 10 2023: API1 BOLA, API3 mass assignment, API4 resource
 * consumption, API5 function-level authorization, API8 misconfiguration (and injection in
 * query parameters). Each attack asserts the refusal and that the event store did not move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alwaysOpenSchedule, type Harness } from '../../test-support/harness.js';
import { account, PASSWORD, refusedWithoutChange, startSecurityHarness, type Account } from './support.js';

describe('OWASP API Top 10', () => {
  let h: Harness;
  let alice: Account;
  let mallory: Account;
  let bookingId: string;
  let position: string;
  beforeAll(async () => {
    h = await startSecurityHarness({ CORS_ORIGINS: 'https://app.booking.example' });
    alice = await account(h, 'alice');
    mallory = await account(h, 'mallory');
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
      .set(alice.auth)
      .send({ offeringId: offering.body.offeringId, slotStart: detail.body.slots[2].start });
    bookingId = booked.body.bookingId;
    const paid = await h.http.post(`/api/bookings/${bookingId}/payment`).set(alice.auth);
    position = paid.body.position;
  });
  afterAll(async () => {
    await h.stop();
  });

  describe('API1 broken object level authorization', () => {
    it("another customer cannot read, pay, cancel or confirm Alice's booking or payment", async () => {
      const m = mallory.auth;
      expect(
        (
          await refusedWithoutChange(h, 404, () =>
            h.http.get(`/api/bookings/${bookingId}`).set(m).set('x-min-position', position),
          )
        ).status,
      ).toBe(404);
      await refusedWithoutChange(h, 404, () =>
        h.http.get(`/api/payments/${bookingId}`).set(m).set('x-min-position', position),
      );
      await refusedWithoutChange(h, 404, () =>
        h.http.post(`/api/bookings/${bookingId}/cancel`).set(m).send({ reason: 'mine now' }),
      );
      await refusedWithoutChange(h, 404, () => h.http.post(`/api/bookings/${bookingId}/payment`).set(m));
      await refusedWithoutChange(h, 404, () =>
        h.http.post(`/api/payments/${bookingId}/sandbox-confirm`).set(m).send({ cardNumber: '4242 4242 4242 4242' }),
      );
    });
    it("a customer cannot read another user's profile", async () => {
      await refusedWithoutChange(h, 403, () => h.http.get(`/api/admin/users/${alice.userId}`).set(mallory.auth));
      const me = await h.http.get('/api/me').set(mallory.auth);
      expect(me.body.email).toBe(mallory.email);
    });
  });

  describe('API3 broken object property level authorization (mass assignment)', () => {
    it('role, status, emailVerified or userId in a register body are refused', async () => {
      for (const extra of [
        { role: 'admin' },
        { roles: ['admin'] },
        { status: 'active' },
        { emailVerified: true },
        { userId: 'admin-ada' },
      ]) {
        await refusedWithoutChange(h, 400, () =>
          h.http.post('/api/auth/register').send({ email: 'x@example.com', password: PASSWORD, name: 'X', ...extra }),
        );
      }
    });
    it('status or customerId in a booking body are refused', async () => {
      await refusedWithoutChange(h, 400, () =>
        h.http
          .post('/api/bookings')
          .set(mallory.auth)
          .send({ offeringId: '01900000-0000-7000-8000-000000000001', quantity: 1, status: 'CONFIRMED' }),
      );
      await refusedWithoutChange(h, 400, () =>
        h.http
          .post('/api/bookings')
          .set(mallory.auth)
          .send({ offeringId: '01900000-0000-7000-8000-000000000001', quantity: 1, customerId: alice.userId }),
      );
    });
    it('a provider application cannot carry roles', async () => {
      await refusedWithoutChange(h, 400, () =>
        h.http
          .post('/api/me/provider-application')
          .set(mallory.auth)
          .send({ businessName: 'M', roles: ['provider'] }),
      );
    });
  });

  describe('API4 unrestricted resource consumption', () => {
    it('oversized, malformed, non-JSON and deeply nested bodies are refused', async () => {
      await refusedWithoutChange(h, 413, () =>
        h.http
          .post('/api/auth/register')
          .set('content-type', 'application/json')
          .send(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(100_000), name: 'A' })),
      );
      await refusedWithoutChange(h, 400, () =>
        h.http.post('/api/auth/login').set('content-type', 'application/json').send('{"email":'),
      );
      await refusedWithoutChange(h, 415, () =>
        h.http.post('/api/auth/login').set('content-type', 'text/plain').send('email=a@example.com'),
      );
      await refusedWithoutChange(h, 415, () =>
        h.http
          .post('/api/auth/login')
          .set('content-type', 'application/x-www-form-urlencoded')
          .send('email=a%40example.com&password=x'),
      );
      let deep: unknown = 1;
      for (let i = 0; i < 60; i++) deep = { a: deep };
      await refusedWithoutChange(h, 400, () =>
        h.http.post('/api/auth/login').send({ email: 'a@example.com', password: 'p', deep }),
      );
    });
    it('page sizes are bounded', async () => {
      await refusedWithoutChange(h, 400, () =>
        h.http.get('/api/admin/users').query({ pageSize: '100000' }).set(h.auth('admin-ada')),
      );
    });
  });

  describe('API5 broken function level authorization', () => {
    it('a customer cannot use admin functions or escalate their role', async () => {
      const m = mallory.auth;
      await refusedWithoutChange(h, 403, () =>
        h.http.post(`/api/admin/users/${mallory.userId}/roles`).set(m).send({ role: 'admin' }),
      );
      await refusedWithoutChange(h, 403, () =>
        h.http.post(`/api/admin/users/${alice.userId}/suspend`).set(m).send({ reason: 'x' }),
      );
      await refusedWithoutChange(h, 403, () =>
        h.http
          .post('/api/admin/users')
          .set(m)
          .send({ email: 'evil@example.com', name: 'E', password: PASSWORD, roles: ['admin'] }),
      );
      await refusedWithoutChange(h, 403, () => h.http.get('/api/admin/users').set(m));
      await refusedWithoutChange(h, 403, () => h.http.get('/api/admin/bookings').set(m));
      await refusedWithoutChange(h, 403, () =>
        h.http.post(`/api/payments/${bookingId}/mark-paid`).set(m).send({ reason: 'free' }),
      );
      await refusedWithoutChange(h, 403, () =>
        h.http
          .post(`/api/admin/users/${mallory.userId}/provider-application/decision`)
          .set(m)
          .send({ decision: 'approved' }),
      );
    });
    it('an anonymous caller cannot use admin functions', async () => {
      await refusedWithoutChange(h, 401, () =>
        h.http.post(`/api/admin/users/${alice.userId}/roles`).send({ role: 'admin' }),
      );
    });
  });

  describe('API8 security misconfiguration', () => {
    it('security headers are set and the framework is not advertised', async () => {
      const r = await h.http.get('/api/offerings');
      expect(r.headers['x-powered-by']).toBeUndefined();
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.headers['x-frame-options']).toBeDefined();
      expect(r.headers['strict-transport-security']).toBeDefined();
    });
    it('CORS answers only allowlisted origins', async () => {
      const ok = await h.http
        .options('/api/bookings')
        .set('origin', 'https://app.booking.example')
        .set('access-control-request-method', 'POST');
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.booking.example');
      const evil = await h.http
        .options('/api/bookings')
        .set('origin', 'https://evil.example')
        .set('access-control-request-method', 'POST');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    });
    it('errors never carry stack traces', async () => {
      const r = await refusedWithoutChange(h, 400, () =>
        h.http.post('/api/auth/login').set('content-type', 'application/json').send('{bad'),
      );
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    });
    it('injection in query parameters is inert', async () => {
      const admin = h.auth('admin-ada');
      for (const q of ['.*', '(a+)+$', '{"$ne":null}', "' OR 1=1 --"]) {
        const r = await h.http.get('/api/admin/users').query({ q }).set(admin).set('x-min-position', position);
        expect(r.status).toBe(200);
        expect(r.body.total).toBe(0);
      }
      await refusedWithoutChange(h, 400, () => h.http.get('/api/admin/users?role[$ne]=x').set(admin));
    });
    it('JWKS is served and publishes no shared secret under HS256', async () => {
      const r = await h.http.get('/.well-known/jwks.json');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ keys: [] });
    });
  });
});

describe('API4 rate limits', () => {
  it('login is limited per IP and per account: 429 problem+json with Retry-After', async () => {
    const h = await startSecurityHarness({
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      for (let i = 0; i < 3; i++)
        await h.http.post('/api/auth/login').send({ email: 'who@example.com', password: 'x' });
      const r = await refusedWithoutChange(h, 429, () =>
        h.http.post('/api/auth/login').send({ email: 'who@example.com', password: 'x' }),
      );
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await h.stop();
    }
    const h2 = await startSecurityHarness({ AUTH_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      for (let i = 0; i < 2; i++) await h2.http.post('/api/auth/password/forgot').send({ email: `p${i}@example.com` });
      await refusedWithoutChange(h2, 429, () =>
        h2.http.post('/api/auth/register').send({ email: 'new@example.com', password: PASSWORD, name: 'N' }),
      );
    } finally {
      await h2.stop();
    }
  });
});
