/**
 * HTTP hardening shared by every role: security headers (helmet), a CORS allowlist,
 * in-process rate limits answering 429 problem+json with Retry-After, and JSON-only
 * request bodies (415 otherwise).
 */
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit, type Options as RateLimitOptions } from 'express-rate-limit';
import { TooManyRequestsError, UnsupportedMediaTypeError } from '../errors.js';
import { optionalActorOf } from './auth.js';

export interface SecuritySettings {
  /** origins allowed to call the API from a browser; empty: same origin only */
  corsOrigins: readonly string[];
  /** requests per minute per client (user when signed in, else IP); 0 disables */
  rateLimitPerMinute: number;
}

export function securityHeaders(): RequestHandler {
  return helmet({
    // The SPA is served from the same origin; no inline scripts, no third-party origins.
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

export function corsAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'idempotency-key',
      'if-match',
      'x-min-position',
      'x-correlation-id',
    ],
    exposedHeaders: ['etag', 'location', 'x-event-position', 'x-correlation-id', 'retry-after', 'idempotent-replayed'],
    credentials: false,
    maxAge: 600,
  });
}

/** The client's IP as express sees it (`trust proxy` decides whether X-Forwarded-For counts). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * An in-process fixed-window limiter. `key` picks what is counted (IP, account...);
 * returning null skips the request. Over the limit: 429 problem+json with Retry-After.
 */
export function limiter(options: {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string | null;
}): RequestHandler {
  if (options.limit <= 0) return (_req, _res, next) => next();
  const settings: Partial<RateLimitOptions> = {
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    validate: false,
    skip: (req) => options.key(req) === null,
    keyGenerator: (req) => `${options.name}:${options.key(req) ?? ''}`,
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset
        ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000))
        : Math.ceil(options.windowMs / 1000);
      next(new TooManyRequestsError(`too many requests (${options.name}); retry in ${seconds} s`, seconds));
    },
  };
  return rateLimit(settings);
}

/** Overall limit per signed-in user, or per IP for anonymous callers. Mount after authentication. */
export function overallLimit(perMinute: number): RequestHandler {
  return limiter({
    name: 'overall',
    windowMs: 60_000,
    limit: perMinute,
    key: (req) => {
      if (req.path === '/health' || req.path === '/ready') return null;
      const actor = optionalActorOf(req);
      return actor ? `user:${actor.id}` : `ip:${clientIp(req)}`;
    },
  });
}

function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
  );
}

/** A request with a body must send JSON (`application/json` or `application/*+json`). */
export function jsonOnly(exceptPaths: readonly RegExp[] = []): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD') return next();
    if (exceptPaths.some((p) => p.test(req.path))) return next();
    if (!req.is(['application/json', 'application/*+json'])) return next(new UnsupportedMediaTypeError());
    next();
  };
}
