/**
 * The HTTP shell every role shares (createHttpApp): security headers and CORS, one log line
 * per request with the request's ids, request metrics by route pattern (also for refusals,
 * 404s and clients that go away), and bearer tokens, whose verification is remembered until
 * they expire while the user's current state is still checked on every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { Router } from 'express';
import {
  actorOf,
  clientIp,
  createHttpApp,
  createLogger,
  mintToken,
  NotFoundError,
  PlatformMetrics,
  UnauthorizedError,
  VerifiedTokenCache,
  type AccessClaims,
  type TokenSettings,
  type UserActor,
} from '@booking/shared-kernel';

type Line = Record<string, unknown>;

function capture() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', role: 'test', destination }) };
}

const SECRET = 'http-app-test-secret';

function shell(options: { resolveActor?: TokenSettings['resolveActor']; corsOrigins?: string[] } = {}) {
  const { lines, logger } = capture();
  const metrics = new PlatformMetrics();
  const tokens: TokenSettings = {
    secret: SECRET,
    issuer: 'test',
    ...(options.resolveActor ? { resolveActor: options.resolveActor } : {}),
  };
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const app = createHttpApp({
    logger,
    tokens,
    metrics,
    maxBodyBytes: 1024,
    security: { corsOrigins: options.corsOrigins ?? [], rateLimitPerMinute: 0 },
    mount(app) {
      app.get('/health', (_req, res) => {
        res.json({ status: 'ok' });
      });
      const api = Router();
      api.get('/items/:id', (req, res) => {
        if (req.params.id === 'missing') throw new NotFoundError('item');
        if (req.params.id === 'broken') throw new Error('boom');
        res.json({ id: req.params.id, by: actorOf(req).id });
      });
      api.get('/slow', async (_req, res) => {
        await held;
        res.json({});
      });
      app.use('/api', api);
    },
  });
  return { app, lines, metrics, tokens, release };
}

const requestLines = (lines: Line[]) => lines.filter((l) => l.req !== undefined);

async function series(metrics: PlatformMetrics, name: string): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name));
}

describe('the HTTP shell', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sets the security headers on every answer, 2xx, problem or 404, and does not advertise the framework', async () => {
    const { app, tokens } = shell();
    const auth = { authorization: `Bearer ${mintToken(tokens, { id: 'customer-ann', role: 'customer' })}` };
    for (const [path, status] of [
      ['/api/items/1', 200],
      ['/api/items/missing', 404],
      ['/nowhere', 404],
    ] as const) {
      const r = await request(app).get(path).set(auth);
      expect(r.status).toBe(status);
      expect(r.headers['x-powered-by']).toBeUndefined();
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['content-security-policy']).toContain("img-src 'self' data:");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(r.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers CORS for allowlisted origins only', async () => {
    const { app } = shell({ corsOrigins: ['https://app.example'] });
    const ok = await request(app)
      .options('/api/items/1')
      .set('origin', 'https://app.example')
      .set('access-control-request-method', 'POST');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(ok.headers['access-control-allow-headers']).toContain('idempotency-key');
    const get = await request(app).get('/health').set('origin', 'https://app.example');
    expect(get.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(get.headers['access-control-expose-headers']).toContain('x-correlation-id');
    for (const origin of ['https://evil.example', undefined]) {
      const r = request(app).options('/api/items/1').set('access-control-request-method', 'POST');
      const answer = await (origin ? r.set('origin', origin) : r);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['access-control-allow-methods']).toBeUndefined();
    }
  });

  it('logs one line per request with its ids and status, at a level by status, never a token', async () => {
    const { app, lines, tokens } = shell();
    const token = mintToken(tokens, { id: 'customer-ann', role: 'customer' });
    const auth = { authorization: `Bearer ${token}` };
    await request(app).get('/api/items/1?token=secret-value&page=2').set(auth).set('x-correlation-id', 'corr-ok');
    await request(app).get('/api/items/missing').set(auth).set('x-correlation-id', 'corr-404');
    await request(app).get('/api/items/broken').set(auth).set('x-correlation-id', 'corr-500');
    await request(app).get('/health');
    const logged = requestLines(lines);
    expect(logged).toHaveLength(3);
    const [ok, missing, broken] = logged;
    expect(ok).toMatchObject({
      level: 30,
      msg: 'request completed',
      role: 'test',
      correlationId: 'corr-ok',
      userId: 'customer-ann',
      userRole: 'customer',
      req: { method: 'GET', url: '/api/items/1?token=%5Bredacted%5D&page=2' },
      res: { statusCode: 200 },
    });
    expect(typeof ok!.causationId).toBe('string');
    expect(typeof ok!.responseTime).toBe('number');
    expect(missing).toMatchObject({ level: 40, correlationId: 'corr-404', res: { statusCode: 404 } });
    expect(broken).toMatchObject({ level: 50, msg: 'request errored', correlationId: 'corr-500' });
    // the unexpected error itself is logged once, by the problem handler, on the same request
    expect(lines.find((l) => l.msg === 'unhandled error')).toMatchObject({ correlationId: 'corr-500' });
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(JSON.stringify(lines)).not.toContain('secret-value');
  });

  it('measures requests by route pattern, refusals and unmatched paths included', async () => {
    const { app, metrics, tokens } = shell();
    const auth = { authorization: `Bearer ${mintToken(tokens, { id: 'customer-ann', role: 'customer' })}` };
    await request(app).get('/api/items/1').set(auth);
    await request(app).get('/api/items/2').set(auth);
    await request(app).get('/api/items/missing').set(auth);
    await request(app).get('/api/items/broken').set(auth);
    await request(app).get('/nowhere');
    const counts = await series(metrics, 'booking_http_request_duration_seconds_count');
    expect(counts).toEqual(
      expect.arrayContaining([
        'booking_http_request_duration_seconds_count{method="GET",route="/api/items/:id",status="200"} 2',
        'booking_http_request_duration_seconds_count{method="GET",route="/api/items/:id",status="404"} 1',
        'booking_http_request_duration_seconds_count{method="GET",route="/api/items/:id",status="500"} 1',
        'booking_http_request_duration_seconds_count{method="GET",route="(unmatched)",status="404"} 1',
      ]),
    );
    expect(await series(metrics, 'booking_http_requests_in_flight')).toEqual(['booking_http_requests_in_flight 0']);
  });

  it('counts and logs a request whose client went away before the answer as 499', async () => {
    const { app, lines, metrics, release } = shell();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const client = http.get({ port, host: '127.0.0.1', path: '/api/slow', headers: { 'x-correlation-id': 'gone' } });
      client.on('error', () => {});
      await vi.waitFor(async () =>
        expect(await series(metrics, 'booking_http_requests_in_flight')).toEqual(['booking_http_requests_in_flight 1']),
      );
      client.destroy();
      await vi.waitFor(() => expect(requestLines(lines)).toHaveLength(1));
      expect(requestLines(lines)[0]).toMatchObject({
        level: 30,
        msg: 'request aborted',
        aborted: true,
        correlationId: 'gone',
        res: { statusCode: 499 },
      });
      expect(await series(metrics, 'booking_http_request_duration_seconds_count')).toEqual([
        'booking_http_request_duration_seconds_count{method="GET",route="/api/slow",status="499"} 1',
      ]);
      expect(await series(metrics, 'booking_http_requests_in_flight')).toEqual(['booking_http_requests_in_flight 0']);
    } finally {
      release();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the client address', () => {
  const answering = (trustProxy?: number) => {
    const app = createHttpApp({
      logger: capture().logger,
      tokens: { secret: SECRET, issuer: 'test' },
      maxBodyBytes: 1024,
      ...(trustProxy !== undefined ? { trustProxy } : {}),
      mount(app) {
        app.get('/ip', (req, res) => {
          res.json({ ip: clientIp(req), expressIp: req.ip });
        });
      },
    });
    return (forwarded: string) => request(app).get('/ip').set('x-forwarded-for', forwarded);
  };

  it('is the socket address, whatever X-Forwarded-For says, unless proxies are trusted', async () => {
    for (const trust of [undefined, 0]) {
      const r = await answering(trust)('203.0.113.7');
      expect(r.body.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
      expect(r.body.ip).toBe(r.body.expressIp);
    }
  });

  it('behind trusted proxies is the address the nearest trusted hop reports, as express has it', async () => {
    const r = await answering(1)('198.51.100.1, 203.0.113.7');
    expect(r.body).toEqual({ ip: '203.0.113.7', expressIp: '203.0.113.7' });
  });
});

describe('bearer tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a remembered token still meets the check of the user state: a revoked session stops at once', async () => {
    const revoked = new Set<string>();
    const checked: string[] = [];
    const { app, tokens } = shell({
      resolveActor: (claims: AccessClaims): Promise<UserActor> => {
        checked.push(claims.sid ?? '');
        if (claims.sid && revoked.has(claims.sid))
          return Promise.reject(new UnauthorizedError('the session has ended'));
        return Promise.resolve({ id: claims.sub, role: claims.role, roles: claims.roles });
      },
    });
    const auth = {
      authorization: `Bearer ${mintToken(tokens, { id: 'customer-ann', role: 'customer', sessionId: 's-1' })}`,
    };
    expect((await request(app).get('/api/items/1').set(auth)).status).toBe(200);
    expect((await request(app).get('/api/items/1').set(auth)).status).toBe(200);
    revoked.add('s-1');
    const refused = await request(app).get('/api/items/1').set(auth);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toBe('the session has ended');
    expect(checked).toEqual(['s-1', 's-1', 's-1']);
  });

  it('a remembered token stops working when it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
    const { app, tokens } = shell();
    const auth = {
      authorization: `Bearer ${mintToken({ ...tokens, expiresIn: 60 }, { id: 'customer-ann', role: 'customer' })}`,
    };
    expect((await request(app).get('/api/items/1').set(auth)).status).toBe(200);
    vi.setSystemTime(new Date('2026-03-01T10:00:59.500Z'));
    expect((await request(app).get('/api/items/1').set(auth)).status).toBe(200);
    vi.setSystemTime(new Date('2026-03-01T10:01:00.000Z'));
    const expired = await request(app).get('/api/items/1').set(auth);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe('the token has expired');
  });

  it('a token with a bad signature is refused every time and never remembered', async () => {
    const { app, tokens } = shell();
    const forged = mintToken({ ...tokens, secret: 'another-secret' }, { id: 'admin-eve', role: 'admin' });
    for (let i = 0; i < 2; i++) {
      const r = await request(app).get('/api/items/1').set('authorization', `Bearer ${forged}`);
      expect(r.status).toBe(401);
      expect(r.body.detail).toBe('the token is not valid');
    }
  });

  it('the cache keeps the most recent tokens up to its capacity, and hands out frozen claims', () => {
    const cache = new VerifiedTokenCache(2);
    const claims = (sub: string): AccessClaims => ({ sub, role: 'customer', roles: ['customer'], exp: 2_000_000_000 });
    cache.set('a', claims('a'));
    cache.set('b', claims('b'));
    cache.set('c', claims('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('a', Date.now())).toBeUndefined();
    expect(cache.get('c', Date.now())?.sub).toBe('c');
    expect(Object.isFrozen(cache.get('c', Date.now()))).toBe(true);
    expect(Object.isFrozen(cache.get('c', Date.now())!.roles)).toBe(true);
    expect(cache.get('c', 2_000_000_000_000)).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
