/**
 * HTTP hardening shared by every role: security headers (helmet), a CORS allowlist,
 * rate limits answering 429 problem+json with Retry-After (counted in-process, or in a
 * shared store such as Redis), and JSON-only request bodies (415 otherwise).
 */
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit, type ClientRateLimitInfo, type Options as RateLimitOptions, type Store } from 'express-rate-limit';
import { TooManyRequestsError, UnavailableError, UnsupportedMediaTypeError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { RateLimitStores } from '../ports/rate-limit-stores.js';
import { optionalActorOf } from './auth.js';

export interface SecuritySettings {
  /** origins allowed to call the API from a browser; empty: same origin only */
  corsOrigins: readonly string[];
  /** requests per minute per client (user when signed in, else IP); 0 disables */
  rateLimitPerMinute: number;
  /** shared counters (REDIS_URL); absent: each process counts on its own */
  rateLimits?: SharedRateLimits;
}

/** A shared rate-limit backend and where its failures are logged. */
export interface SharedRateLimits {
  stores: RateLimitStores;
  logger: Logger;
}

export function securityHeaders(): RequestHandler {
  const { set, removed } = fixedHeaders(
    helmet({
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
    }),
  );
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/**
 * The headers a header-only middleware sets, found by running it once against a recording
 * response. Helmet's headers depend on nothing in the request with these settings (no CSP
 * nonces), so they are worked out once rather than by a dozen middlewares per request.
 */
function fixedHeaders(middleware: RequestHandler): {
  set: [string, string | number | readonly string[]][];
  removed: string[];
} {
  const set: [string, string | number | readonly string[]][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    finished = true;
  });
  if (!finished) throw new Error('the security-header middleware did not finish at once');
  return { set, removed };
}

export function corsAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  const allowing = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'idempotency-key',
      'if-match',
      'x-min-position',
      'x-correlation-id',
      // resuming GET /api/live/bookings from a browser on another allowed origin
      'last-event-id',
    ],
    exposedHeaders: ['etag', 'location', 'x-event-position', 'x-correlation-id', 'retry-after', 'idempotent-replayed'],
    credentials: false,
    maxAge: 600,
  });
  // cors itself does nothing for a request without an allowed Origin (no header at all):
  // most requests (same origin, servers) need not go through it
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return next();
    allowing(req, res, next);
  };
}

/** The client's IP as express sees it (`trust proxy` decides whether X-Forwarded-For counts). */
export function clientIp(req: Request): string {
  // without `trust proxy` (false or 0 hops) express's req.ip is the socket's address:
  // taken from the socket, X-Forwarded-For is not parsed for nothing on every request
  if (!req.app.get('trust proxy')) return req.socket.remoteAddress ?? 'unknown';
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * A fixed-window limiter. `key` picks what is counted (IP, account...); returning null
 * skips the request. Over the limit: 429 problem+json with Retry-After. Counted in this
 * process unless `shared` names a store every instance uses.
 *
 * When the shared store fails, `onStoreError` decides: 'allow' lets the request through
 * (logged; the overall limit must not take the API down with Redis), 'refuse' answers 503
 * (credential endpoints keep their brute-force guard rather than lose it silently).
 */
export function limiter(options: {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string | null;
  shared?: SharedRateLimits | undefined;
  onStoreError?: 'allow' | 'refuse';
}): RequestHandler {
  if (options.limit <= 0) return (_req, _res, next) => next();
  const shared = options.shared;
  const settings: Partial<RateLimitOptions> = {
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    validate: false,
    skip: (req) => options.key(req) === null,
    keyGenerator: (req) => `${options.name}:${options.key(req) ?? ''}`,
    ...(shared
      ? {
          store: refusingOnError(shared.stores.forLimiter(options.name), options.name, options.onStoreError),
          passOnStoreError: options.onStoreError === 'allow',
          logger: {
            error: (err: unknown, message?: string) =>
              shared.logger.error({ err, limiter: options.name }, message ?? 'rate-limit store error'),
            warn: (err: unknown, message?: string) =>
              shared.logger.warn({ err, limiter: options.name }, message ?? 'rate-limit store warning'),
          },
        }
      : {}),
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

/** Wraps a shared store so that a failed count is a 503 problem, not a bare 500. */
class RefusingOnErrorStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly name: string,
  ) {}
  init(options: RateLimitOptions): void | Promise<void> {
    return this.inner.init?.(options);
  }
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.inner.get?.(key);
  }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    try {
      return await this.inner.increment(key);
    } catch (err) {
      throw new UnavailableError(`the rate-limit store is unavailable (${this.name}): ${(err as Error).message}`);
    }
  }
  async decrement(key: string): Promise<void> {
    await this.inner.decrement(key);
  }
  async resetKey(key: string): Promise<void> {
    await this.inner.resetKey(key);
  }
}

function refusingOnError(store: Store, name: string, onError: 'allow' | 'refuse' | undefined): Store {
  return onError === 'allow' ? store : new RefusingOnErrorStore(store, name);
}

/** Overall limit per signed-in user, or per IP for anonymous callers. Mount after authentication. */
export function overallLimit(perMinute: number, shared?: SharedRateLimits): RequestHandler {
  return limiter({
    name: 'overall',
    windowMs: 60_000,
    limit: perMinute,
    shared,
    onStoreError: 'allow',
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

const JSON_TYPES = ['application/json', 'application/*+json'];
/** what clients send nearly always: known to be JSON without parsing the media type */
const COMMON_JSON_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset=UTF-8',
]);

/** Whether the request says its body is JSON (`application/json` or `application/*+json`). */
export function isJsonRequest(req: Request): boolean {
  const type = req.headers['content-type'];
  return (type !== undefined && COMMON_JSON_TYPES.has(type)) || Boolean(req.is(JSON_TYPES));
}

/** A request with a body must send JSON (`application/json` or `application/*+json`). */
export function jsonOnly(exceptPaths: readonly RegExp[] = []): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD') return next();
    if (exceptPaths.some((p) => p.test(req.path))) return next();
    if (!isJsonRequest(req)) return next(new UnsupportedMediaTypeError());
    next();
  };
}
