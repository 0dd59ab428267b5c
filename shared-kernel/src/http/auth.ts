/**
 * JWT bearer authentication. Tokens carry the user id (`sub`) and role; every handler
 * still checks roles and ownership itself against the actor this yields.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Request, RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Actor } from '../ports/event-store.js';

export type UserRole = 'customer' | 'provider' | 'admin';
const USER_ROLES: readonly UserRole[] = ['customer', 'provider', 'admin'];

export interface TokenSettings {
  secret: string;
  issuer: string;
  /** seconds */
  expiresIn?: number;
}

export interface UserActor extends Actor {
  readonly role: UserRole;
  readonly name?: string;
}

// jsonwebtoken first tries to read a string secret as a PEM public key, and that failed
// attempt costs about a millisecond per call; a KeyObject skips it.
const keyCache = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keyCache.set(secret, key);
  }
  return key;
}

export function mintToken(settings: TokenSettings, user: { id: string; role: UserRole; name?: string }): string {
  return jwt.sign({ role: user.role, name: user.name }, keyOf(settings.secret), {
    algorithm: 'HS256',
    subject: user.id,
    issuer: settings.issuer,
    expiresIn: settings.expiresIn ?? 3600,
  });
}

export function verifyToken(settings: TokenSettings, token: string): UserActor {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, keyOf(settings.secret), { algorithms: ['HS256'], issuer: settings.issuer });
  } catch (err) {
    throw new UnauthorizedError(err instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid');
  }
  if (typeof payload === 'string' || typeof payload.sub !== 'string' || !USER_ROLES.includes(payload.role as UserRole)) {
    throw new UnauthorizedError('the token is not valid');
  }
  return { id: payload.sub, role: payload.role as UserRole, ...(typeof payload.name === 'string' ? { name: payload.name } : {}) };
}

const ACTOR = Symbol('actor');
type WithActor = Request & { [ACTOR]?: UserActor };

/** Reads the bearer token when there is one; a bad token is always a 401. */
export function authenticate(settings: TokenSettings): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header);
      if (!m) return next(new UnauthorizedError('the Authorization header must be "Bearer <token>"'));
      try {
        (req as WithActor)[ACTOR] = verifyToken(settings, m[1]!);
      } catch (err) {
        return next(err);
      }
    }
    next();
  };
}

/** The caller, or a 401 when anonymous; with `roles`, a 403 for any other role. */
export function actorOf(req: Request, ...roles: UserRole[]): UserActor {
  const actor = (req as WithActor)[ACTOR];
  if (!actor) throw new UnauthorizedError();
  if (roles.length > 0 && !roles.includes(actor.role)) {
    throw new ForbiddenError(`this needs the role ${roles.join(' or ')}`);
  }
  return actor;
}

export function optionalActorOf(req: Request): UserActor | null {
  return (req as WithActor)[ACTOR] ?? null;
}
