/**
 * The first admin never comes from the public API: ADMIN_EMAIL/ADMIN_PASSWORD at start
 * (`npm start`, i.e. ops/platform/main.ts), or the `npm run admin:create -- <email>` CLI on
 * the data folder. Registering with a role, or calling the admin endpoints as a customer,
 * grants nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, tempDir, type Harness } from '../../test-support/harness.js';
import { account, FAST_ENV, PASSWORD, refusedWithoutChange, startSecurityHarness } from './support.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The environment of a child: ours without identity settings that could leak in, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of [
    'ADMIN_EMAIL',
    'ADMIN_PASSWORD',
    'JWT_ALGORITHM',
    'JWT_PRIVATE_KEY',
    'JWT_PUBLIC_KEY',
    'JWT_SECRET',
    'EVENTSTORE_URL',
    'MONGODB_URL',
    'KAFKA_BROKERS',
    'ROLES',
  ])
    delete base[k];
  return { ...base, NODE_ENV: 'test', LOG_LEVEL: 'warn', DEMO_DATA: 'false', ...FAST_ENV, ...env };
}

function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface SessionBody {
  accessToken: string;
  user: { email: string; role: string; roles: string[] };
}
interface UserList {
  items: { email: string }[];
  total: number;
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('first admin from ADMIN_EMAIL / ADMIN_PASSWORD at start (npm start)', () => {
  const dataDir = tempDir('booking-admin-start-');
  const email = 'root@booking.example';
  const password = 'first admin passphrase';
  let child: ChildProcess | null = null;
  let base = '';
  let stderr = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'ops/platform/main.ts'], {
      cwd: ROOT,
      env: childEnv({
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_EMAIL: email,
        ADMIN_PASSWORD: password,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    const fs = await import('node:fs');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the admin can sign in and list users; a wrong password cannot', async () => {
    const login = await eventually(
      async () => {
        try {
          const res = await fetch(`${base}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
          return res.status === 200 ? json<SessionBody>(res) : null;
        } catch {
          return null; // not listening yet
        }
      },
      45_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; platform stderr: ${stderr}`);
    });
    expect(login.user).toMatchObject({ email, role: 'admin', emailVerified: true, status: 'active' });
    expect(login.user.roles).toContain('admin');
    const auth = { authorization: `Bearer ${login.accessToken}` };

    const listed = await eventually(
      async () => {
        const res = await fetch(`${base}/api/admin/users`, { headers: auth });
        expect(res.status).toBe(200);
        const body = await json<UserList>(res);
        return body.items.some((u) => u.email === email) ? body : null;
      },
      10_000,
      100,
    );
    expect(listed.total).toBeGreaterThanOrEqual(1);

    // the admin acts as one: creates a provider account
    const created = await fetch(`${base}/api/admin/users`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'new-provider@booking.example',
        name: 'New Provider',
        password: PASSWORD,
        roles: ['customer', 'provider'],
      }),
    });
    expect(created.status).toBe(201);

    const wrong = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'not the admin passphrase' }),
    });
    expect(wrong.status).toBe(401);
    // demo data is off: no demo sign-in hands out an admin token
    const demo = await fetch(`${base}/api/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'admin-ada' }),
    });
    expect(demo.status).toBe(404);
  }, 90_000);
});

describe('npm run admin:create -- <email>', () => {
  const dataDir = tempDir('booking-admin-cli-');
  let h: Harness | null = null;
  afterAll(async () => {
    await h?.stop();
  });

  it('creates admins on the data folder (password from ADMIN_PASSWORD, or generated and shown once) who can sign in', async () => {
    const given = await run('ops/platform/admin-create.ts', ['ops-admin@booking.example'], {
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: 'cli admin passphrase',
    });
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toMatch(/admin ops-admin@booking\.example created/);
    expect(given.stdout).not.toContain('cli admin passphrase');

    const generated = await run('ops/platform/admin-create.ts', ['second-admin@booking.example'], {
      DATA_DIR: dataDir,
    });
    expect(generated.code, generated.stderr).toBe(0);
    const shown = /password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
    expect(shown).toBeDefined();
    expect(shown!.length).toBeGreaterThanOrEqual(12);

    // a short password is refused before anything is written
    expect(
      (
        await run('ops/platform/admin-create.ts', ['third@booking.example'], {
          DATA_DIR: dataDir,
          ADMIN_PASSWORD: 'short',
        })
      ).code,
    ).toBe(2);

    h = await startHarness({ dataDir, env: { ...FAST_ENV, DEMO_DATA: 'false' } });
    const login = await h.http
      .post('/api/auth/login')
      .send({ email: 'ops-admin@booking.example', password: 'cli admin passphrase' });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.user.roles).toContain('admin');
    const auth = { authorization: `Bearer ${login.body.accessToken}` };
    const listed = await eventually(
      async () => {
        const res = await h!.http.get('/api/admin/users').set(auth);
        expect(res.status).toBe(200);
        return res.body.items.length >= 2 ? res.body : null;
      },
      10_000,
      50,
    );
    expect(listed.items.map((u: { email: string }) => u.email).sort()).toEqual([
      'ops-admin@booking.example',
      'second-admin@booking.example',
    ]);

    const second = await h.http
      .post('/api/auth/login')
      .send({ email: 'second-admin@booking.example', password: shown });
    expect(second.status).toBe(200);
    expect(second.body.user.role).toBe('admin');
    // the short-password run created nobody
    expect(
      (await h.http.post('/api/auth/login').send({ email: 'third@booking.example', password: 'short' })).status,
    ).toBe(401);
  }, 150_000);
});

describe('no public endpoint grants admin', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSecurityHarness({ DEMO_DATA: 'false' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('registering with a role or roles is refused (400) and appends nothing', async () => {
    for (const extra of [
      { role: 'admin' },
      { roles: ['admin'] },
      { roles: ['customer', 'admin'] },
      { emailVerified: true, role: 'admin' },
    ]) {
      const email = `wannabe-${Math.random().toString(36).slice(2)}@example.com`;
      const res = await refusedWithoutChange(h, 400, () =>
        h.http.post('/api/auth/register').send({ email, password: PASSWORD, name: 'Wannabe', ...extra }),
      );
      expect(res.body.accessToken).toBeUndefined();
    }
  });

  it('a registered customer holds only the customer role', async () => {
    const a = await account(h, 'plain');
    const me = await h.http.get('/api/me').set(a.auth);
    expect(me.body.roles ?? [me.body.role]).toEqual(['customer']);
    expect(me.body.role).toBe('customer');
  });

  it('a customer calling the admin endpoints gets 403 and changes nothing', async () => {
    const a = await account(h, 'climber');
    await refusedWithoutChange(h, 403, () =>
      h.http
        .post('/api/admin/users')
        .set(a.auth)
        .send({ email: `evil-${Date.now()}@example.com`, name: 'Evil', password: PASSWORD, roles: ['admin'] }),
    );
    await refusedWithoutChange(h, 403, () =>
      h.http.post(`/api/admin/users/${a.userId}/roles`).set(a.auth).send({ role: 'admin' }),
    );
    await refusedWithoutChange(h, 403, () => h.http.get('/api/admin/users').set(a.auth));
    // anonymous: 401
    await refusedWithoutChange(h, 401, () =>
      h.http
        .post('/api/admin/users')
        .send({ email: `anon-${Date.now()}@example.com`, name: 'Anon', password: PASSWORD, roles: ['admin'] }),
    );
    await refusedWithoutChange(h, 401, () => h.http.post(`/api/admin/users/${a.userId}/roles`).send({ role: 'admin' }));
    // still a customer, with a fresh login too
    const again = await h.http.post('/api/auth/login').send({ email: a.email, password: PASSWORD });
    expect(again.body.user.roles).toEqual(['customer']);
  });

  it('the demo sign-in is not mounted without demo data', async () => {
    await refusedWithoutChange(h, 404, () => h.http.post('/api/demo/login').send({ userId: 'admin-ada' }));
  });
});
