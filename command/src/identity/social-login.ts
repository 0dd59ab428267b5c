/**
 * Sign in with Google or Apple: the client sends the provider's ID token and the nonce it
 * asked for. The token's signature is checked against the provider's JWKS (fetched from a
 * configurable URL and cached), then issuer, audience (our client ids), expiry and nonce.
 * The identity is linked to the account with the same verified email, or a new account is
 * created.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Router, type RequestHandler } from 'express';
import {
  commandContext,
  commandRoute,
  executeCommand,
  loadState,
  parseInput,
  streams,
  DomainRuleError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  type CommandContext,
  type IdentityProviderName,
} from '@booking/shared-kernel';
import type { CommandDeps } from '../http/deps.js';
import { uniqueKeyDecider, userDecider } from './user.js';
import { loadUser, registerUser, startSession, userIdByEmail, type IdentityRuntime } from './identity-service.js';
import { sha256 } from './secrets.js';
import { SocialLoginBody } from './identity-requests.js';

interface Jwks {
  keys: (JsonWebKey & { kid?: string })[];
}

/** JWKS cache per URL; a token naming an unknown kid refetches at most once a minute. */
class JwksCache {
  private readonly entries = new Map<string, { at: number; keys: Map<string, KeyObject> }>();
  async key(url: string, kid: string): Promise<KeyObject | null> {
    let entry = this.entries.get(url);
    const stale = !entry || Date.now() - entry.at > 10 * 60_000;
    const missing = entry && !entry.keys.has(kid) && Date.now() - entry.at > 60_000;
    if (stale || missing) {
      let jwks: Jwks;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
        jwks = (await res.json()) as Jwks;
      } catch {
        throw new UnavailableError('the identity provider keys could not be fetched');
      }
      const keys = new Map<string, KeyObject>();
      for (const k of jwks.keys ?? []) {
        if (typeof k.kid !== 'string') continue;
        try {
          keys.set(k.kid, createPublicKey({ key: k, format: 'jwk' }));
        } catch {
          /* skip keys we cannot read */
        }
      }
      entry = { at: Date.now(), keys };
      this.entries.set(url, entry);
    }
    return entry!.keys.get(kid) ?? null;
  }
}

export interface ExternalIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export async function verifyIdToken(
  cache: JwksCache,
  provider: { jwksUrl: string; issuers: string[]; audiences: string[] },
  idToken: string,
  nonce: string,
): Promise<ExternalIdentity> {
  const invalid = new UnauthorizedError('the identity token is not valid');
  const decoded = jwt.decode(idToken, { complete: true });
  if (!decoded || typeof decoded.payload === 'string' || typeof decoded.header.kid !== 'string') throw invalid;
  if (!['RS256', 'ES256'].includes(decoded.header.alg)) throw invalid;
  const key = await cache.key(provider.jwksUrl, decoded.header.kid);
  if (!key) throw invalid;
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(idToken, key, {
      algorithms: ['RS256', 'ES256'],
      issuer: provider.issuers as [string, ...string[]],
      audience: provider.audiences as [string, ...string[]],
      clockTolerance: 30,
    }) as jwt.JwtPayload;
  } catch {
    throw invalid;
  }
  // Google echoes the nonce; Apple echoes what the client sent (often its SHA-256).
  if (typeof payload.nonce !== 'string' || (payload.nonce !== nonce && payload.nonce !== sha256(nonce))) throw invalid;
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw invalid;
  const emailVerified = payload.email_verified === true || payload.email_verified === 'true';
  return {
    subject: payload.sub,
    email: typeof payload.email === 'string' ? payload.email : null,
    emailVerified,
    name: typeof payload.name === 'string' ? payload.name : null,
  };
}

export function socialLoginRoute(ir: IdentityRuntime, deps: CommandDeps, guarded: RequestHandler[]): Router {
  const router = Router();
  const cache = new JwksCache();
  const cfg = ir.identity;
  const providers: Record<IdentityProviderName, { jwksUrl: string; issuers: string[]; audiences: string[] }> = {
    google: { jwksUrl: cfg.googleJwksUrl, issuers: cfg.googleIssuers, audiences: cfg.googleClientIds },
    apple: { jwksUrl: cfg.appleJwksUrl, issuers: cfg.appleIssuers, audiences: cfg.appleClientIds },
  };
  router.post(
    '/auth/social/:provider',
    ...guarded,
    commandRoute(deps.runtime, async (req, res) => {
      const name = String(req.params.provider) as IdentityProviderName;
      const provider = providers[name];
      if (!provider || provider.audiences.length === 0) throw new NotFoundError('identity provider');
      const body = parseInput(SocialLoginBody, req.body);
      const identity = await verifyIdToken(cache, provider, body.idToken, body.nonce);
      const subjectHash = sha256(identity.subject);
      const idpStream = streams.externalIdentity(name, subjectHash);
      const base = commandContext(req, res);
      const { state: link } = await loadState(deps.runtime, idpStream, uniqueKeyDecider);
      let userId = link.owner;
      if (!userId) {
        // Link by email only when the provider vouches for it.
        if (!identity.email || !identity.emailVerified)
          throw new DomainRuleError('email-not-verified', 'the provider did not confirm an email address');
        userId = await userIdByEmail(deps.runtime, identity.email);
        if (userId) {
          // Never link to an account whose owner has not proved the mailbox: whoever registered
          // the address with their own password would share the account (pre-registration hijack).
          const { state: existing } = await loadUser(deps.runtime, userId);
          if (existing.exists && !existing.emailVerified)
            throw new DomainRuleError(
              'email-not-verified',
              'an account with this email exists but its address is not confirmed; confirm it or reset its password first',
            );
        }
        if (!userId) {
          const created = await registerUser(ir, base, {
            email: identity.email,
            name: body.name ?? identity.name ?? identity.email.split('@')[0]!,
            password: null,
            roles: ['customer'],
            method: name,
            emailVerified: true,
          });
          userId = created.userId;
        }
        const ctx: CommandContext = { ...base, actor: { id: userId, role: 'customer' } };
        await executeCommand(deps.runtime, idpStream, uniqueKeyDecider, { keyHash: subjectHash, userId }, ctx);
      }
      const { state } = await loadUser(deps.runtime, userId);
      if (!state.exists) throw new UnauthorizedError('the identity token is not valid');
      const ctx: CommandContext = { ...base, actor: { id: userId, role: 'customer' } };
      await executeCommand(
        deps.runtime,
        streams.user(userId),
        userDecider,
        { type: 'LinkIdentity', provider: name, subjectHash },
        ctx,
      );
      const session = await startSession(ir, base, userId, true, name);
      if (!session) throw new UnauthorizedError('the identity token is not valid');
      return { status: 200, body: session };
    }),
  );
  return router;
}
