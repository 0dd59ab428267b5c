/**
 * Accounts that do not come from the public API: the first admin (ADMIN_EMAIL +
 * ADMIN_PASSWORD at start, or `npm run admin:create -- <email>`), and the demo accounts
 * (created through the admin endpoint, with the documented demo password).
 */
import {
  executeCommand,
  mintToken,
  newId,
  streams,
  type CommandRuntime,
  type Config,
  type TokenSettings,
} from '@booking/shared-kernel';
import { loadUser, registerUser, userDecider, userIdByEmail } from '@booking/command';
import { DEMO_USERS } from './demo-users.js';

/** Creates the admin, or makes the existing account with that email an admin (password
 *  unchanged unless `resetPassword`). Idempotent. */
export async function ensureAdmin(
  runtime: CommandRuntime,
  identity: Config['identity'],
  email: string,
  password: string,
  options: { resetPassword?: boolean; now?: () => Date } = {},
): Promise<{ userId: string; created: boolean }> {
  const ctxBase = { correlationId: newId(), causationId: newId() };
  const ctx = { ...ctxBase, actor: { id: 'admin-bootstrap', role: 'system' as const } };
  const existing = await userIdByEmail(runtime, email);
  if (existing && (await loadUser(runtime, existing)).state.exists) {
    await executeCommand(runtime, streams.user(existing), userDecider, { type: 'GrantRole', role: 'admin' }, ctx);
    if (options.resetPassword) {
      const { hashPassword } = await import('@booking/command');
      await executeCommand(
        runtime,
        streams.user(existing),
        userDecider,
        {
          type: 'SetPassword',
          passwordHash: await hashPassword(password, identity.passwordScryptLog2N),
          via: 'bootstrap',
        },
        ctx,
      );
    }
    return { userId: existing, created: false };
  }
  const r = await registerUser(
    { runtime, tokens: { secret: '', issuer: '' }, identity, now: options.now ?? (() => new Date()) },
    ctxBase,
    {
      email,
      name: 'Administrator',
      password,
      roles: ['customer', 'admin'],
      method: 'bootstrap',
      emailVerified: true,
    },
  );
  return { userId: r.userId, created: r.created };
}

/** The demo users as real accounts, through `POST /api/admin/users`. */
export async function seedDemoUsers(baseUrl: string, tokens: TokenSettings, password: string): Promise<number> {
  const admin = mintToken(tokens, { id: 'admin-ada', role: 'admin' });
  let created = 0;
  for (const u of DEMO_USERS) {
    const roles = u.role === 'customer' ? ['customer'] : ['customer', u.role];
    const res = await fetch(`${baseUrl}/api/admin/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: u.id, email: u.email, name: u.name, password, roles, emailVerified: true }),
    });
    if (res.status === 201) created++;
    else if (res.status !== 409) throw new Error(`demo users: ${u.id} answered ${res.status}: ${await res.text()}`);
  }
  return created;
}
