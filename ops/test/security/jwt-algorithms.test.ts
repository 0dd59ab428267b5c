/**
 * Access tokens signed with RS256 or ES256 (PEM keys from the environment): login works,
 * `/.well-known/jwks.json` publishes the public key, a token checks out against that JWKS
 * alone (node:crypto, no platform code), and algorithm confusion (HS256 keyed with the
 * public key), `alg: none`, foreign keys and the HS256 secret are all refused.
 */
import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type JsonWebKey,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../../test-support/harness.js';
import { account, startSecurityHarness, type Account } from './support.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

function pemPair(alg: 'RS256' | 'ES256') {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', {
          modulusLength: 2048,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        })
      : generateKeyPairSync('ec', {
          namedCurve: 'P-256',
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        });
  return pair;
}

/** Checks a compact JWS with nothing but a JWK from the JWKS. */
function verifyWithJwk(token: string, jwk: JsonWebKey & { alg?: string }): boolean {
  const [header, payload, signature] = token.split('.');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  return cryptoVerify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    jwk.kty === 'EC' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(signature!, 'base64url'),
  );
}

function hs256(secret: string | Buffer, header: object, claims: object): string {
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

for (const alg of ['RS256', 'ES256'] as const) {
  describe(`access tokens with JWT_ALGORITHM=${alg}`, () => {
    const keys = pemPair(alg);
    const other = pemPair(alg);
    let h: Harness;
    let a: Account;
    let jwks: { keys: (JsonWebKey & { kid: string; alg: string; use?: string })[] };

    beforeAll(async () => {
      h = await startSecurityHarness({
        JWT_ALGORITHM: alg,
        // RS256: both halves as multi-line PEM; ES256: the private key alone, on one line with literal \n
        ...(alg === 'RS256'
          ? { JWT_PRIVATE_KEY: keys.privateKey, JWT_PUBLIC_KEY: keys.publicKey }
          : { JWT_PRIVATE_KEY: keys.privateKey.replace(/\n/g, '\\n') }),
      });
      a = await account(h, `jwt-${alg.toLowerCase()}`);
      const res = await h.http.get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      jwks = res.body;
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('login returns a token signed with the configured algorithm and the published kid', async () => {
      const [header, payload] = a.accessToken.split('.');
      const hd = decode(header!);
      expect(hd.alg).toBe(alg);
      expect(hd.kid).toBe(jwks.keys[0]!.kid);
      expect(decode(payload!)).toMatchObject({ sub: a.userId, role: 'customer', iss: h.config.jwtIssuer });
      expect((await h.http.get('/api/me').set(a.auth)).status).toBe(200);
      const refreshed = await h.http.post('/api/auth/refresh').send({ refreshToken: a.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(decode(refreshed.body.accessToken.split('.')[0]).alg).toBe(alg);
    });

    it('the JWKS serves exactly the public key (kid, kty, alg, use) and no private part', () => {
      expect(jwks.keys).toHaveLength(1);
      const jwk = jwks.keys[0]!;
      expect(jwk).toMatchObject({ alg, use: 'sig', kty: alg === 'RS256' ? 'RSA' : 'EC' });
      expect(typeof jwk.kid).toBe('string');
      expect(jwk.kid.length).toBeGreaterThan(10);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(secret);
      if (alg === 'ES256') expect(jwk.crv).toBe('P-256');
      // the very key from the environment
      const served = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      expect(served.trim()).toBe(keys.publicKey.trim());
    });

    it('a token verifies against the JWKS alone', () => {
      expect(verifyWithJwk(a.accessToken, jwks.keys[0]!)).toBe(true);
      // and a tampered payload does not
      const [hd, , sig] = a.accessToken.split('.');
      const forged = `${hd}.${b64url({ ...decode(a.accessToken.split('.')[1]!), role: 'admin', roles: ['admin'] })}.${sig}`;
      expect(verifyWithJwk(forged, jwks.keys[0]!)).toBe(false);
    });

    describe('refused with 401', () => {
      const claims = () => {
        const real = decode(a.accessToken.split('.')[1]!);
        const now = Math.floor(Date.now() / 1000);
        // everything a real token of this user says, promoted to admin
        return { ...real, role: 'admin', roles: ['admin', 'customer'], iat: now, exp: now + 600 };
      };
      const kid = () => jwks.keys[0]!.kid;
      const publicPem = () => keys.publicKey;

      const forgeries: [string, () => string][] = [
        [
          'HS256 keyed with the public key PEM (algorithm confusion)',
          () => hs256(publicPem(), { alg: 'HS256', typ: 'JWT', kid: kid() }, claims()),
        ],
        [
          'HS256 keyed with the PEM without its final newline',
          () => hs256(publicPem().trimEnd(), { alg: 'HS256', typ: 'JWT', kid: kid() }, claims()),
        ],
        [
          'HS256 keyed with the PEM rebuilt from the JWKS',
          () =>
            hs256(
              createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
              { alg: 'HS256', typ: 'JWT' },
              claims(),
            ),
        ],
        [
          'HS256 keyed with the DER public key',
          () =>
            hs256(
              createPublicKey(publicPem()).export({ type: 'spki', format: 'der' }),
              { alg: 'HS256', typ: 'JWT', kid: kid() },
              claims(),
            ),
        ],
        [
          'HS256 keyed with the JWK JSON',
          () => hs256(JSON.stringify(jwks.keys[0]), { alg: 'HS256', typ: 'JWT', kid: kid() }, claims()),
        ],
        [
          'HS256 with the JWT_SECRET (the default secret)',
          () => hs256(h.config.jwtSecret, { alg: 'HS256', typ: 'JWT' }, claims()),
        ],
        ['alg none', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`],
        ['alg none with the kid', () => `${b64url({ alg: 'none', typ: 'JWT', kid: kid() })}.${b64url(claims())}.`],
        [
          `${alg} signed by another key under the published kid`,
          () => {
            const input = `${b64url({ alg, typ: 'JWT', kid: kid() })}.${b64url(claims())}`;
            const sig = cryptoSign(
              'sha256',
              Buffer.from(input),
              alg === 'ES256' ? { key: other.privateKey, dsaEncoding: 'ieee-p1363' } : other.privateKey,
            );
            return `${input}.${sig.toString('base64url')}`;
          },
        ],
        [
          'the other asymmetric algorithm',
          () => {
            const otherAlg = alg === 'RS256' ? 'ES256' : 'RS256';
            const k = pemPair(otherAlg);
            const input = `${b64url({ alg: otherAlg, typ: 'JWT', kid: kid() })}.${b64url(claims())}`;
            const sig = cryptoSign(
              'sha256',
              Buffer.from(input),
              otherAlg === 'ES256' ? { key: k.privateKey, dsaEncoding: 'ieee-p1363' } : k.privateKey,
            );
            return `${input}.${sig.toString('base64url')}`;
          },
        ],
      ];
      for (const [name, make] of forgeries) {
        it(name, async () => {
          const auth = { authorization: `Bearer ${make()}` };
          const me = await h.http.get('/api/me').set(auth);
          expect(me.status, JSON.stringify(me.body)).toBe(401);
          expect(me.headers['content-type']).toMatch(/application\/problem\+json/);
          expect((await h.http.get('/api/admin/users').set(auth)).status).toBe(401);
        });
      }

      it('a harness-minted HS256 token (the default secret) for a demo admin', async () => {
        expect((await h.http.get('/api/admin/users').set(h.auth('admin-ada'))).status).toBe(401);
      });

      it('the genuine token still works after all of the above', async () => {
        expect((await h.http.get('/api/me').set(a.auth)).status).toBe(200);
        expect((await h.http.get('/api/admin/users').set(a.auth)).status).toBe(403);
      });
    });
  });
}
