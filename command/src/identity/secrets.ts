/** Password hashing (scrypt, per-user salt) and single-use tokens (random, stored only as
 *  SHA-256 digests). */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, keylen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>` */
export async function hashPassword(password: string, log2N = 15): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, log2N, 8, 1);
  return `scrypt$${log2N}$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null, dummyLog2N = 15): Promise<boolean> {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') {
    // same work as a real check, so an unknown account answers as slowly as a known one
    await scrypt(password, Buffer.alloc(16), 32, dummyLog2N, 8, 1);
    return false;
  }
  const [, log2N, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash!, 'base64');
  const actual = await scrypt(
    password,
    Buffer.from(salt!, 'base64'),
    expected.length,
    Number(log2N),
    Number(r),
    Number(p),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A token that names its user: `<base64url(userId)>.<random>` (the user id is not secret). */
export function userToken(userId: string): string {
  return `${Buffer.from(userId, 'utf8').toString('base64url')}.${randomToken()}`;
}

export function userIdOfToken(token: string): string | null {
  const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  if (!m) return null;
  const id = Buffer.from(m[1]!, 'base64url').toString('utf8');
  return /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? id : null;
}

/** Refresh tokens: `<base64url(userId)>.<sessionId>.<random>`. */
export function refreshToken(userId: string, sessionId: string): string {
  return `${Buffer.from(userId, 'utf8').toString('base64url')}.${sessionId}.${randomToken()}`;
}

export function parseRefreshToken(token: string): { userId: string; sessionId: string } | null {
  const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  if (!m) return null;
  const userId = Buffer.from(m[1]!, 'base64url').toString('utf8');
  return /^[A-Za-z0-9._:-]{1,100}$/.test(userId) ? { userId, sessionId: m[2]! } : null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
