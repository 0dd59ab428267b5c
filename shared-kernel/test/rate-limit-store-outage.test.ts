/**
 * Shared rate limits when Redis is unreachable (a real ioredis client and rate-limit-redis
 * store pointed at a closed port): the overall limit lets requests through (logged), a
 * credential endpoint's limit answers 503 problem+json instead of dropping its guard.
 */
import net from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, limiter, overallLimit, problemHandler, type SharedRateLimits } from '../src/index.js';
import { openRedis, redisRateLimitStores } from '../src/adapters/index.js';

/** a loopback port nobody listens on */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('rate limits with an unreachable Redis', () => {
  const logger = createLogger({ level: 'silent' });
  let redis: ReturnType<typeof openRedis>;
  let app: express.Express;

  beforeAll(async () => {
    redis = openRedis({ url: `redis://127.0.0.1:${await closedPort()}`, logger });
    const shared: SharedRateLimits = { stores: redisRateLimitStores(redis, 'outage-test:'), logger };
    app = express();
    app.use(overallLimit(100, shared));
    app.get('/open', (_req, res) => void res.json({ ok: true }));
    app.post(
      '/login',
      limiter({ name: 'auth-ip', windowMs: 60_000, limit: 5, key: () => 'ip', shared, onStoreError: 'refuse' }),
      (_req, res) => void res.json({ ok: true }),
    );
    app.use(problemHandler(logger));
  });

  afterAll(() => {
    redis.disconnect();
  });

  it('lets ordinary requests through', async () => {
    const res = await request(app).get('/open');
    expect(res.status).toBe(200);
  });

  it('refuses credential requests with 503 rather than lose the brute-force guard', async () => {
    const res = await request(app).post('/login');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('unavailable');
  });
});
