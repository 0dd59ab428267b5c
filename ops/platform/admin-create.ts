/**
 * `npm run admin:create -- <email>`: creates an admin account (or makes an existing one
 * admin) straight through the command runtime: never through a public endpoint. The
 * password comes from ADMIN_PASSWORD, or a random one is generated and printed once.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createCommandRuntime, loadConfig, systemClock } from '@booking/shared-kernel';
import { openEventStore } from './adapters.js';
import { ensureAdmin } from './identity-bootstrap.js';

const email = process.argv[2];
if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
  console.error('usage: npm run admin:create -- <email>   (password from ADMIN_PASSWORD, else generated)');
  process.exit(2);
}
const config = loadConfig({ ...process.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
const given = process.env.ADMIN_PASSWORD;
if (given !== undefined && given.length < 12) {
  console.error('ADMIN_PASSWORD must be at least 12 characters');
  process.exit(2);
}
const password = given ?? randomBytes(18).toString('base64url');
const store = openEventStore(config);
try {
  const runtime = createCommandRuntime(store, systemClock);
  const r = await ensureAdmin(runtime, config.identity, email, password, { resetPassword: given !== undefined });
  console.log(
    r.created ? `admin ${email} created (user id ${r.userId})` : `${email} (user id ${r.userId}) is now an admin`,
  );
  if (given === undefined && r.created) console.log(`password (shown once): ${password}`);
} finally {
  await store.close();
}
