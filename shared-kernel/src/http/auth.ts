/**
 * JWT bearer authentication. Access tokens are short-lived and carry the user id (`sub`),
 * the primary role, all roles, the session (`sid`) and a token id (`jti`). When the
 * platform wires `resolveActor`, every request's token is also checked against the user's
 * current state (suspended users and revoked sessions stop at once; roles are the current
 * ones). Every handler still checks roles and ownership itself against the actor this
 * yields.
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Request, RequestHandler } from 'express';
import { currentLogContext } from '../logging.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Actor } from '../ports/event-store.js';
import { signingKeys, type KeySettings } from './jwt-keys.js';

/** `analyst`: read-only, aggregates only (the analytics endpoints and nothing else). */
export type UserRole = 'customer' | 'provider' | 'admin' | 'analyst';
const USER_ROLES: readonly UserRole[] = ['customer', 'provider', 'admin', 'analyst'];

export interface TokenSettings extends KeySettings {
  issuer: string;
  /** seconds */
  expiresIn?: number;
  /**
   * Checks a verified token against the user's current state and returns the actor to
   * use (current roles); throws UnauthorizedError when the token must no longer work.
   */
  resolveActor?: (claims: AccessClaims) => Promise<UserActor>;
}

export interface UserActor extends Actor {
  readonly role: UserRole;
  /** every role the user holds (defaults to `[role]`) */
  readonly roles?: readonly UserRole[];
  readonly name?: string;
  /** the session (refresh-token family) the access token belongs to */
  readonly sessionId?: string;
}

/** What a verified access token says. */
export interface AccessClaims {
  sub: string;
  role: UserRole;
  roles: UserRole[];
  name?: string;
  sid?: string;
  jti?: string;
  iat?: number;
  exp?: number;
}

/** The highest of a user's roles: what a token names as `role`. */
export function primaryRole(roles: readonly UserRole[]): UserRole {
  return roles.includes('admin')
    ? 'admin'
    : roles.includes('provider')
      ? 'provider'
      : roles.includes('analyst') && !roles.includes('customer')
        ? 'analyst'
        : 'customer';
}

export function mintToken(
  settings: TokenSettings,
  user: { id: string; role: UserRole; roles?: readonly UserRole[]; name?: string; sessionId?: string },
): string {
  const keys = signingKeys(settings);
  const roles = user.roles && user.roles.length > 0 ? [...user.roles] : [user.role];
  return jwt.sign(
    {
      role: user.role,
      roles,
      ...(user.name ? { name: user.name } : {}),
      ...(user.sessionId ? { sid: user.sessionId } : {}),
    },
    keys.signKey,
    {
      algorithm: keys.algorithm,
      subject: user.id,
      issuer: settings.issuer,
      expiresIn: settings.expiresIn ?? 3600,
      jwtid: randomUUID(),
      ...(keys.jwk ? { keyid: keys.kid } : {}),
    },
  );
}

/** Verifies signature (only the configured algorithm: never `none`), issuer and expiry. */
export function verifyAccessToken(settings: TokenSettings, token: string): AccessClaims {
  const keys = signingKeys(settings);
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, keys.verifyKey, { algorithms: [keys.algorithm], issuer: settings.issuer });
  } catch (err) {
    throw new UnauthorizedError(
      err instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid',
    );
  }
  if (
    typeof payload === 'string' ||
    typeof payload.sub !== 'string' ||
    !USER_ROLES.includes(payload.role as UserRole)
  ) {
    throw new UnauthorizedError('the token is not valid');
  }
  const roles = Array.isArray(payload.roles)
    ? (payload.roles as unknown[]).filter((r): r is UserRole => USER_ROLES.includes(r as UserRole))
    : [];
  return {
    sub: payload.sub,
    role: payload.role as UserRole,
    roles: roles.length > 0 ? roles : [payload.role as UserRole],
    ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
    ...(typeof payload.sid === 'string' ? { sid: payload.sid } : {}),
    ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
    ...(typeof payload.iat === 'number' ? { iat: payload.iat } : {}),
    ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}),
  };
}

/** The actor a token names, without looking at the user's current state. */
export function verifyToken(settings: TokenSettings, token: string): UserActor {
  const c = verifyAccessToken(settings, token);
  return {
    id: c.sub,
    role: c.role,
    roles: c.roles,
    ...(c.name ? { name: c.name } : {}),
    ...(c.sid ? { sessionId: c.sid } : {}),
  };
}

const ACTOR = Symbol('actor');
const CLAIMS = Symbol('claims');
type WithActor = Request & { [ACTOR]?: UserActor; [CLAIMS]?: AccessClaims };

/** Remembers the caller on the request and names them on every later log line of it. */
function setActor(req: Request, actor: UserActor): void {
  (req as WithActor)[ACTOR] = actor;
  const log = currentLogContext();
  log.userId = actor.id;
  log.userRole = actor.role;
}

/**
 * Tokens whose signature, issuer and claims were verified, by their text, until they expire:
 * a session sends the same token with every request, and verifying it again cannot give
 * another answer (its claims are signed). Whether the user or session still may act is not
 * cached: `resolveActor` checks that on every request. Bounded: the oldest entry goes first.
 */
export class VerifiedTokenCache {
  private readonly byToken = new Map<string, AccessClaims>();
  constructor(private readonly capacity = 10_000) {}

  /** the claims of a verified token that has not expired (`exp` as jsonwebtoken reads it) */
  get(token: string, nowMs: number): AccessClaims | undefined {
    const claims = this.byToken.get(token);
    if (claims?.exp !== undefined && Math.floor(nowMs / 1000) >= claims.exp) {
      this.byToken.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: AccessClaims): void {
    if (this.byToken.size >= this.capacity) this.byToken.delete(this.byToken.keys().next().value!);
    Object.freeze(claims.roles);
    this.byToken.set(token, Object.freeze(claims));
  }

  get size(): number {
    return this.byToken.size;
  }
}

/** Reads the bearer token when there is one; a bad, expired or revoked token is always a 401. */
export function authenticate(settings: TokenSettings, verified = new VerifiedTokenCache()): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header) return next();
    const m = /^Bearer ([A-Za-z0-9\-_.]{1,4096})$/.exec(header);
    if (!m) return next(new UnauthorizedError('the Authorization header must be "Bearer <token>"'));
    const token = m[1]!;
    let claims = verified.get(token, Date.now());
    if (!claims) {
      try {
        claims = verifyAccessToken(settings, token);
      } catch (err) {
        return next(err);
      }
      verified.set(token, claims);
    }
    (req as WithActor)[CLAIMS] = claims;
    if (!settings.resolveActor) {
      setActor(req, {
        id: claims.sub,
        role: claims.role,
        roles: claims.roles,
        ...(claims.name ? { name: claims.name } : {}),
        ...(claims.sid ? { sessionId: claims.sid } : {}),
      });
      return next();
    }
    settings.resolveActor(claims).then(
      (actor) => {
        setActor(req, actor);
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** The caller, or a 401 when anonymous; with `roles`, a 403 unless the caller holds one of
 *  them (the actor returned then acts in the first of `roles` it holds). */
export function actorOf(req: Request, ...roles: UserRole[]): UserActor {
  const actor = (req as WithActor)[ACTOR];
  if (!actor) throw new UnauthorizedError();
  if (roles.length === 0) return actor;
  const held = actor.roles ?? [actor.role];
  if (roles.includes(actor.role)) return actor;
  const role = roles.find((r) => held.includes(r));
  if (!role) throw new ForbiddenError(`this needs the role ${roles.join(' or ')}`);
  return { ...actor, role };
}

/**
 * The caller as the user's current state says now: for a request that stays open (a live
 * stream), whose actor was resolved when it arrived. Rejects with UnauthorizedError when the
 * token must no longer work (suspended user, revoked session); null for an anonymous request.
 */
export async function recheckActor(settings: TokenSettings, req: Request): Promise<UserActor | null> {
  const claims = (req as WithActor)[CLAIMS];
  if (!claims) return null;
  return settings.resolveActor ? settings.resolveActor(claims) : ((req as WithActor)[ACTOR] ?? null);
}

export function optionalActorOf(req: Request): UserActor | null {
  return (req as WithActor)[ACTOR] ?? null;
}
