/**
 * Sign in with Google / Apple against a local JWKS server: ID tokens signed in the test
 * with RS256 and ES256 keys. A valid token creates (or finds, or links by verified email)
 * an account; every forged, stale or misdirected token is refused and appends nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, createHmac, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../../test-support/harness.js';
import {
  account,
  head,
  outbox,
  PASSWORD,
  refusedWithoutChange,
  startSecurityHarness,
  tokenFromMail,
} from './support.js';

const GOOGLE_CLIENT = 'google-client-1.apps.example';
const GOOGLE_ISSUER = 'https://accounts.google.com';
const APPLE_CLIENT = 'com.example.booking';
const APPLE_ISSUER = 'https://appleid.apple.com';

interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function rsaKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

function ecKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

function jwkOf(k: TestKey) {
  return { ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg, use: 'sig' };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);

describe('social login (Google and Apple ID tokens)', () => {
  const googleRsa = rsaKey('google-rsa-1');
  const googleEc = ecKey('google-ec-1');
  const appleEc = ecKey('apple-ec-1');
  const appleRsa = rsaKey('apple-rsa-1');
  /** same kid as googleRsa, but not the published key */
  const impostor = { ...rsaKey('google-rsa-1') };
  let jwksServer: http.Server;
  let jwksHits = 0;
  let h: Harness;

  function idToken(
    key: TestKey,
    claims: Record<string, unknown>,
    options: { issuer?: string; audience?: string; expiresIn?: number; kid?: string } = {},
  ): string {
    return jwt.sign(claims, key.privateKey, {
      algorithm: key.alg,
      keyid: options.kid ?? key.kid,
      issuer: options.issuer ?? GOOGLE_ISSUER,
      audience: options.audience ?? GOOGLE_CLIENT,
      expiresIn: options.expiresIn ?? 600,
    });
  }

  /** A Google ID token for a fresh subject unless `sub` is given. */
  function googleClaims(over: Record<string, unknown> = {}) {
    const sub = String(over.sub ?? `g-${randomUUID()}`);
    return {
      sub,
      email: `user-${randomUUID().slice(0, 8)}@gmail.example`,
      email_verified: true,
      name: 'Gina Google',
      nonce: 'nonce-0123456789',
      ...over,
    };
  }

  const social = (provider: string, body: Record<string, unknown>) =>
    h.http.post(`/api/auth/social/${provider}`).send(body);

  beforeAll(async () => {
    jwksServer = http.createServer((req, res) => {
      jwksHits++;
      const keys =
        req.url === '/google/certs'
          ? [jwkOf(googleRsa), jwkOf(googleEc)]
          : req.url === '/apple/keys'
            ? [jwkOf(appleEc), jwkOf(appleRsa)]
            : null;
      if (!keys) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    h = await startSecurityHarness({
      GOOGLE_CLIENT_IDS: `${GOOGLE_CLIENT},other-google-client`,
      GOOGLE_JWKS_URL: `${base}/google/certs`,
      APPLE_CLIENT_IDS: APPLE_CLIENT,
      APPLE_JWKS_URL: `${base}/apple/keys`,
    });
  });
  afterAll(async () => {
    await h?.stop();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  it('a valid Google token (RS256) creates an account and returns working tokens', async () => {
    const claims = googleClaims();
    const before = await head(h);
    const res = await social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      user: { email: claims.email, roles: ['customer'], role: 'customer', emailVerified: true, status: 'active' },
    });
    expect(typeof res.body.accessToken).toBe('string');
    expect(typeof res.body.refreshToken).toBe('string');
    expect(await head(h)).not.toBe(before);
    expect(jwksHits).toBeGreaterThan(0);

    const auth = { authorization: `Bearer ${res.body.accessToken}` };
    expect((await h.http.get('/api/me/bookings').set(auth)).status).toBe(200);
    const refreshed = await h.http.post('/api/auth/refresh').send({ refreshToken: res.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.id).toBe(res.body.user.id);

    // the log keeps only a digest of the provider's subject
    const events = await h.platform.eventStore.readStream(`user-${res.body.user.id}`);
    const types = events.map((e) => e.type);
    expect(types).toContain('ExternalIdentityLinked');
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(claims.sub);
  });

  it('a second sign-in with the same subject returns the same user (even with another email)', async () => {
    const claims = googleClaims();
    const first = await social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce });
    expect(first.status).toBe(200);
    const again = await social('google', {
      idToken: idToken(googleEc, { ...claims, email: 'changed@gmail.example' }),
      nonce: claims.nonce,
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.user.id).toBe(first.body.user.id);
    expect(again.body.refreshToken).not.toBe(first.body.refreshToken);
    const linked = (await h.platform.eventStore.readStream(`user-${first.body.user.id}`)).filter(
      (e) => e.type === 'ExternalIdentityLinked',
    );
    expect(linked).toHaveLength(1);
  });

  it('a valid ES256 Google token works too', async () => {
    const claims = googleClaims();
    const res = await social('google', { idToken: idToken(googleEc, claims), nonce: claims.nonce });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.email).toBe(claims.email);
  });

  it('links to an existing verified password account with the same email', async () => {
    const a = await account(h, 'linker');
    const claims = googleClaims({ email: a.email.toUpperCase(), email_verified: true });
    const res = await social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.id).toBe(a.userId);
    // the password still works, and the next Google sign-in finds the same user
    expect((await h.http.post('/api/auth/login').send({ email: a.email, password: PASSWORD })).body.user.id).toBe(
      a.userId,
    );
    const again = await social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce });
    expect(again.body.user.id).toBe(a.userId);
  });

  it('refuses to link to an unverified password account (pre-registration hijack)', async () => {
    // someone registers the victim's address with their own password and never verifies
    const email = `victim-${Date.now()}@gmail.example`;
    expect((await h.http.post('/api/auth/register').send({ email, password: PASSWORD, name: 'Squatter' })).status).toBe(
      202,
    );
    expect(outbox(h, email)).toHaveLength(1);
    const claims = googleClaims({ email, email_verified: true });
    const res = await refusedWithoutChange(h, 409, () =>
      social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce }),
    );
    expect(res.body.code).toBe('email-not-verified');
    expect(res.body.accessToken).toBeUndefined();
    // the squatter's password still does not open the account
    expect((await h.http.post('/api/auth/login').send({ email, password: PASSWORD })).status).toBe(409);
    // the real owner proves the mailbox with a reset (the squatter's password is gone); then Google links
    expect((await h.http.post('/api/auth/password/forgot').send({ email })).status).toBe(202);
    const token = tokenFromMail(outbox(h, email).at(-1)!.text);
    expect(
      (await h.http.post('/api/auth/password/reset').send({ token, password: 'the owner passphrase' })).status,
    ).toBe(200);
    expect((await h.http.post('/api/auth/login').send({ email, password: PASSWORD })).status).toBe(401);
    const linked = await social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body.user.email).toBe(email);
  });

  it('refuses a token whose email the provider did not verify, for a new or an existing account', async () => {
    const fresh = googleClaims({ email_verified: false });
    await refusedWithoutChange(h, [400, 401, 409], () =>
      social('google', { idToken: idToken(googleRsa, fresh), nonce: fresh.nonce }),
    );
    const a = await account(h, 'unverified-link');
    const claims = googleClaims({ email: a.email, email_verified: false });
    await refusedWithoutChange(h, [400, 401, 409], () =>
      social('google', { idToken: idToken(googleRsa, claims), nonce: claims.nonce }),
    );
  });

  describe('forged or misdirected tokens: 401 problem+json, nothing appended', () => {
    const nonce = 'nonce-0123456789';
    const cases: [string, () => string][] = [
      ['signed by another key under the published kid', () => idToken(impostor, googleClaims())],
      ['an unknown kid', () => idToken(googleRsa, googleClaims(), { kid: 'no-such-kid' })],
      ['an ES256 kid with an RS256 key', () => idToken(googleRsa, googleClaims(), { kid: googleEc.kid })],
      ['the wrong issuer', () => idToken(googleRsa, googleClaims(), { issuer: 'https://accounts.evil.example' })],
      ['the Apple issuer on the Google endpoint', () => idToken(googleRsa, googleClaims(), { issuer: APPLE_ISSUER })],
      ['the wrong audience', () => idToken(googleRsa, googleClaims(), { audience: 'someone-elses-client' })],
      [
        'expired an hour ago',
        () => idToken(googleRsa, { ...googleClaims(), iat: nowSec() - 7200 }, { expiresIn: 3600 }),
      ],
      [
        'expired just past the 30 s leeway',
        () => idToken(googleRsa, { ...googleClaims(), iat: nowSec() - 700 }, { expiresIn: 600 }),
      ],
      ['a wrong nonce', () => idToken(googleRsa, googleClaims({ nonce: 'another-nonce-999' }))],
      ['no nonce claim', () => idToken(googleRsa, { ...googleClaims(), nonce: undefined })],
      ['no subject', () => idToken(googleRsa, { ...googleClaims(), sub: undefined })],
      ['a key from the Apple JWKS', () => idToken(appleEc, googleClaims())],
      [
        'alg none',
        () =>
          `${b64url({ alg: 'none', typ: 'JWT', kid: googleRsa.kid })}.${b64url({ ...googleClaims(), iss: GOOGLE_ISSUER, aud: GOOGLE_CLIENT, iat: nowSec(), exp: nowSec() + 600 })}.`,
      ],
      [
        'alg none with a copied signature',
        () => {
          const valid = idToken(googleRsa, googleClaims());
          const [, payload, sig] = valid.split('.');
          return `${b64url({ alg: 'none', kid: googleRsa.kid })}.${payload}.${sig}`;
        },
      ],
      [
        'HS256 with the public key as the secret',
        () => {
          const pem = googleRsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
          const header = b64url({ alg: 'HS256', typ: 'JWT', kid: googleRsa.kid });
          const body = b64url({
            ...googleClaims(),
            iss: GOOGLE_ISSUER,
            aud: GOOGLE_CLIENT,
            iat: nowSec(),
            exp: nowSec() + 600,
          });
          // node:crypto's HMAC takes any bytes: the attacker's view of the "secret"
          const sig = createHmac('sha256', pem).update(`${header}.${body}`).digest('base64url');
          return `${header}.${body}.${sig}`;
        },
      ],
      [
        'a tampered payload',
        () => {
          const [hd, , sig] = idToken(googleRsa, googleClaims()).split('.');
          return `${hd}.${b64url({ ...googleClaims(), iss: GOOGLE_ISSUER, aud: GOOGLE_CLIENT, exp: nowSec() + 600 })}.${sig}`;
        },
      ],
      ['not a JWT at all', () => 'x'.repeat(40)],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const res = await refusedWithoutChange(h, 401, () => social('google', { idToken: make(), nonce }));
        expect(res.body.accessToken).toBeUndefined();
      });
    }

    it('a body without the nonce (400)', async () => {
      const claims = googleClaims();
      await refusedWithoutChange(h, 400, () => social('google', { idToken: idToken(googleRsa, claims) }));
    });

    it('the nonce of another login (the token names one, the client sends another)', async () => {
      const claims = googleClaims();
      await refusedWithoutChange(h, 401, () =>
        social('google', { idToken: idToken(googleRsa, claims), nonce: 'some-other-nonce-1' }),
      );
    });

    it('an unknown provider (404)', async () => {
      const claims = googleClaims();
      await refusedWithoutChange(h, 404, () =>
        social('facebook', { idToken: idToken(googleRsa, claims), nonce: claims.nonce }),
      );
    });
  });

  describe('Apple', () => {
    function appleToken(
      key: TestKey,
      claims: Record<string, unknown>,
      options: { issuer?: string; audience?: string } = {},
    ) {
      return jwt.sign(claims, key.privateKey, {
        algorithm: key.alg,
        keyid: key.kid,
        issuer: options.issuer ?? APPLE_ISSUER,
        audience: options.audience ?? APPLE_CLIENT,
        expiresIn: 600,
      });
    }
    const rawNonce = 'apple-raw-nonce-42';
    const hashed = createHash('sha256').update(rawNonce).digest('hex');
    const appleClaims = (over: Record<string, unknown> = {}) => {
      const sub = `001234.${randomUUID().replace(/-/g, '')}.0420`;
      return {
        sub,
        email: `${sub.slice(7, 19)}@privaterelay.appleid.example`,
        email_verified: 'true',
        nonce: hashed,
        ...over,
      };
    };

    it('a valid Apple token (ES256, hashed nonce, email_verified "true") creates an account; again finds it', async () => {
      const claims = appleClaims();
      const res = await social('apple', { idToken: appleToken(appleEc, claims), nonce: rawNonce, name: 'Anna Apple' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.user).toMatchObject({
        email: claims.email,
        name: 'Anna Apple',
        roles: ['customer'],
        emailVerified: true,
      });
      // Apple mostly omits the email on later sign-ins: the subject alone finds the user
      const { email: _e, email_verified: _v, ...bare } = claims;
      const again = await social('apple', { idToken: appleToken(appleRsa, bare), nonce: rawNonce });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.user.id).toBe(res.body.user.id);
    });

    it('the raw nonce in the token is accepted as well', async () => {
      const claims = appleClaims({ nonce: rawNonce });
      const res = await social('apple', { idToken: appleToken(appleEc, claims), nonce: rawNonce });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });

    it('refuses a Google-audience token, a Google-signed token, a wrong issuer and a wrong nonce', async () => {
      await refusedWithoutChange(h, 401, () =>
        social('apple', { idToken: appleToken(appleEc, appleClaims(), { audience: GOOGLE_CLIENT }), nonce: rawNonce }),
      );
      await refusedWithoutChange(h, 401, () =>
        social('apple', { idToken: appleToken(googleEc, appleClaims()), nonce: rawNonce }),
      );
      await refusedWithoutChange(h, 401, () =>
        social('apple', { idToken: appleToken(appleEc, appleClaims(), { issuer: GOOGLE_ISSUER }), nonce: rawNonce }),
      );
      await refusedWithoutChange(h, 401, () =>
        social('apple', { idToken: appleToken(appleEc, appleClaims()), nonce: 'not-the-raw-nonce' }),
      );
      // a token carrying the hash must not pass when the client sends the hash itself
      await refusedWithoutChange(h, 401, () =>
        social('apple', {
          idToken: appleToken(appleEc, appleClaims({ nonce: createHash('sha256').update(hashed).digest('hex') })),
          nonce: rawNonce,
        }),
      );
    });
  });
});
