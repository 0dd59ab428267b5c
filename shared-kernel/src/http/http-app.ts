import express, { type Express, type Request } from 'express';
import { correlation } from './correlation.js';
import { authenticate, type TokenSettings } from './auth.js';
import { notFoundHandler, problemHandler } from './problem.js';
import type { Logger } from '../logging.js';
import {
  corsAllowlist,
  isJsonRequest,
  jsonOnly,
  overallLimit,
  securityHeaders,
  type SecuritySettings,
} from './security.js';
import { metricsEndpoint, requestTelemetry } from './request-telemetry.js';
import type { PlatformMetrics } from '../observability/metrics.js';

export interface HttpAppOptions {
  logger: Logger;
  tokens: TokenSettings;
  maxBodyBytes: number;
  /** headers, CORS, overall rate limit; defaults: same-origin, no overall limit */
  security?: SecuritySettings;
  /** `trust proxy` setting (e.g. 1 behind one load balancer) so rate limits see client IPs */
  trustProxy?: boolean | number | string;
  /** routes that read their own raw body (signed webhooks), mounted before the JSON parser */
  mountBeforeBody?(app: Express): void;
  /** request metrics and `GET /metrics` (Prometheus text); spans are made either way */
  metrics?: PlatformMetrics;
  /** mounts the role's routes */
  mount(app: Express): void;
  /** mounted after the API, before the 404 handler (e.g. the built UI) */
  mountLast?(app: Express): void;
}

/** The one HTTP shell every role uses: correlation ids, request logs, JSON bodies with a
 *  size limit, bearer authentication, and problem+json errors. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(correlation);
  // metrics, the request's span and its log line (method, path, status; headers may carry
  // tokens and personal data, so they are never logged)
  app.use(requestTelemetry(app, { metrics: options.metrics, logger: options.logger }));
  if (options.metrics) app.get('/metrics', metricsEndpoint(options.metrics));
  app.use(securityHeaders());
  app.use(corsAllowlist(options.security?.corsOrigins ?? []));
  options.mountBeforeBody?.(app);
  app.use(jsonOnly());
  app.use(express.json({ limit: options.maxBodyBytes, strict: true, type: (req) => isJsonRequest(req as Request) }));
  app.use(authenticate(options.tokens));
  // an overall limit of 0 is none: no layer for every request to pass through
  const perMinute = options.security?.rateLimitPerMinute ?? 0;
  if (perMinute > 0) app.use(overallLimit(perMinute, options.security?.rateLimits));
  options.mount(app);
  options.mountLast?.(app);
  app.use(notFoundHandler);
  app.use(problemHandler(options.logger));
  return app;
}
