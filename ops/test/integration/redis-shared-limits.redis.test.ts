/**
 * Two API processes (ROLES=command, each its own `npm start`) behind one Redis and one
 * event store, called in turn:
 * - the overall rate limit is ONE limit for both: exactly `limit` requests pass in total,
 *   and RateLimit-Remaining counts down across the two processes;
 * - the per-account brute-force limit on /auth/login is shared the same way;
 * - a refresh token rotated in process A and then presented to process B is a reuse: B
 *   refuses it and revokes the session (the token A issued and the access token die too);
 *   the same token at both at once: one rotation wins, the other revokes the session.
 *   (Sessions live in the user's event stream, which both processes append to with an
 *   expected revision; Redis is not needed for this, the shared event store is.)
 *
 * Needs REDIS_URL (ops/infra/up.sh redis; the integration tier sets it); skipped without.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRuntime, createLogger, loadConfig, systemClock } from '@booking/shared-kernel';
import { openRedis, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { ensureAdmin } from '../../platform/identity-bootstrap.js';
import { tempDir } from '../../test-support/harness.js';
import { freePort, startPlatformProcess, type PlatformProcess } from '../../test-support/platform-process.js';

const redisUrl = process.env.REDIS_URL;
const OVERALL_LIMIT = 30;
const ACCOUNT_LIMIT = 4;
const ADMIN_EMAIL = 'limits-admin@example.com';
const ADMIN_PASSWORD = 'a-long-admin-password-1';

describe.skipIf(!redisUrl)('two API processes behind one Redis', () => {
  const dataDir = tempDir('booking-redis-it-');
  const keyPrefix = `it-${randomUUID().slice(0, 8)}:`;
  let a: PlatformProcess;
  let b: PlatformProcess;
  let adminToken: string;

  const call = (p: PlatformProcess, method: string, url: string, body?: unknown, token?: string) =>
    fetch(`${p.baseUrl}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    // the admin exists before either process starts (both read the same event store)
    const env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PASSWORD_SCRYPT_LOG2N: '12',
    };
    const config = loadConfig(env);
    const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
    await ensureAdmin(createCommandRuntime(store, systemClock), config.identity, ADMIN_EMAIL, ADMIN_PASSWORD);
    await store.close();

    const processEnv = {
      ...env,
      ROLES: 'command',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: keyPrefix,
      RATE_LIMIT_PER_MINUTE: String(OVERALL_LIMIT),
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE: String(ACCOUNT_LIMIT),
    };
    [a, b] = await Promise.all([
      startPlatformProcess({
        port: await freePort(),
        env: processEnv,
        logFile: path.join(dataDir, 'a.log'),
      }),
      startPlatformProcess({
        port: await freePort(),
        env: processEnv,
        logFile: path.join(dataDir, 'b.log'),
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    // this run's keys only
    const redis = openRedis({ url: redisUrl!, logger: createLogger({ level: 'silent' }) });
    try {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a refresh token rotated in A and reused in B revokes the session everywhere', async () => {
    const login = await call(a, 'POST', '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { accessToken: string; refreshToken: string };

    const rotated = await call(a, 'POST', '/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(session.refreshToken);

    // the old token again, at the other process: reuse
    const reused = await call(b, 'POST', '/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    // the whole family is gone: the token A issued, and the session's access tokens
    expect((await call(a, 'POST', '/api/auth/refresh', { refreshToken: next.refreshToken })).status).toBe(401);
    expect((await call(b, 'POST', '/api/auth/logout', {}, next.accessToken)).status).toBe(401);
    expect((await call(a, 'POST', '/api/auth/logout', {}, session.accessToken)).status).toBe(401);

    // the same token at both processes at once: one rotation wins, the other is a reuse
    const raced = (await (
      await call(a, 'POST', '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    ).json()) as {
      refreshToken: string;
    };
    const both = await Promise.all(
      [a, b].map((p) => call(p, 'POST', '/api/auth/refresh', { refreshToken: raced.refreshToken })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = (await both.find((r) => r.status === 200)!.json()) as { refreshToken: string };
    expect((await call(b, 'POST', '/api/auth/refresh', { refreshToken: winner.refreshToken })).status).toBe(401);

    // a fresh sign-in works, at either process
    const again = await call(b, 'POST', '/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(again.status).toBe(200);
    adminToken = ((await again.json()) as { accessToken: string }).accessToken;
  });

  it('enforces one overall rate limit across both processes', async () => {
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    for (let i = 0; i < OVERALL_LIMIT + 10; i++) {
      const p = i % 2 === 0 ? a : b;
      const res = await call(p, 'GET', '/api/payments/config', undefined, adminToken);
      await res.arrayBuffer();
      statuses.push(res.status);
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    // the first OVERALL_LIMIT pass, whichever process answered; all later ones are 429 at both
    expect(statuses.slice(0, OVERALL_LIMIT)).toEqual(Array(OVERALL_LIMIT).fill(200));
    expect(statuses.slice(OVERALL_LIMIT)).toEqual(Array(10).fill(429));
    expect(remaining.slice(0, OVERALL_LIMIT)).toEqual(
      Array.from({ length: OVERALL_LIMIT }, (_, i) => String(OVERALL_LIMIT - 1 - i)),
    );
    const refused = await call(b, 'GET', '/api/payments/config', undefined, adminToken);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { code: string }).code).toBe('rate-limited');
  });

  it('shares the per-account brute-force limit on sign-in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNT_LIMIT + 2; i++) {
      const p = i % 2 === 0 ? a : b;
      const res = await call(p, 'POST', '/api/auth/login', { email: 'target@example.com', password: `guess-${i}` });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(ACCOUNT_LIMIT).fill(401), 429, 429]);
  });
});
