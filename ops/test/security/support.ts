/** Helpers for the identity and security tests: real accounts over HTTP, mail read back
 *  from the outbox, and the event store head to prove an attack changed nothing. */
import path from 'node:path';
import { expect } from 'vitest';
import { readOutbox } from '@booking/shared-kernel/adapters';
import { formatPosition } from '@booking/shared-kernel';
import { settle, startHarness, type Harness } from '../../test-support/harness.js';

export const FAST_ENV = {
  PASSWORD_SCRYPT_LOG2N: '10',
  AUTH_RATE_LIMIT_PER_MINUTE: '10000',
  AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE: '10000',
  RATE_LIMIT_PER_MINUTE: '100000',
};
export const PASSWORD = 'correct horse battery';

export function startSecurityHarness(env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({ env: { ...FAST_ENV, ...env } });
}

export function outbox(h: Harness, to: string) {
  return readOutbox(path.join(h.dataDir, 'outbox'), to);
}

export function tokenFromMail(text: string): string {
  const m = /token=([^\s&]+)/.exec(text);
  if (!m) throw new Error('no token in mail');
  return decodeURIComponent(m[1]!);
}

export async function head(h: Harness): Promise<string> {
  return formatPosition(await h.platform.eventStore.headPosition());
}

/** Asserts `attack` is refused with `status` and appends nothing. */
export async function refusedWithoutChange(
  h: Harness,
  status: number | number[],
  attack: () => Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>,
) {
  await settle(h);
  const before = await head(h);
  const res = await attack();
  expect([status].flat(), JSON.stringify(res.body)).toContain(res.status);
  if (res.status >= 400) expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(await head(h)).toBe(before);
  return res;
}

export interface Account {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

let n = 0;
export async function account(h: Harness, name = 'user'): Promise<Account> {
  const email = `${name}-${++n}-${Date.now()}@example.com`;
  const reg = await h.http.post('/api/auth/register').send({ email, password: PASSWORD, name });
  expect(reg.status).toBe(202);
  const mail = outbox(h, email).at(-1)!;
  const verified = await h.http.post('/api/auth/verify-email').send({ token: tokenFromMail(mail.text) });
  expect(verified.status).toBe(200);
  const login = await h.http.post('/api/auth/login').send({ email, password: PASSWORD });
  expect(login.status).toBe(200);
  return {
    userId: login.body.user.id,
    email,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
    auth: { authorization: `Bearer ${login.body.accessToken}` },
  };
}
