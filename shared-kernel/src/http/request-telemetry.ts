/**
 * Per-request telemetry: the latency histogram by method, route pattern and status, the
 * in-flight gauge, a SERVER span (continuing the caller's W3C `traceparent`) that is
 * active while the request is handled, so appends and outbound calls become its children,
 * and one log line per request. `/metrics` serves the registry in the Prometheus text format.
 */
import type { Express, Request, RequestHandler } from 'express';
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HistogramCell, PlatformMetrics } from '../observability/metrics.js';
import { contextFromTraceparent, SPAN_ATTRIBUTES, tracer } from '../observability/tracing.js';
import { currentLogContext, withLogContext, type LogContext, type Logger } from '../logging.js';

/** probes and scrapes: measured, never traced nor logged */
const UNTRACED = new Set(['/health', '/ready', '/metrics']);
const UNLOGGED = new Set(['/health', '/metrics']);
/** the route label of a request no route matched (404s, static files of the UI) */
export const UNMATCHED_ROUTE = '(unmatched)';

const ROUTE = Symbol('route');
const PATTERN = Symbol('routePattern');
type WatchedRequest = Request & { [ROUTE]?: unknown; [PATTERN]?: string };

/**
 * Express sets `req.route` when a route matches, while `req.baseUrl` is still the mount
 * path; by the time an error handler answers, `baseUrl` is reset. So the pattern is taken
 * at the moment of the match, by an accessor on the app's request prototype (one for the
 * app: an accessor defined on each request would cost a property definition and leave
 * every request object with a shape of its own).
 */
function watchRoutePatterns(app: Express): void {
  Object.defineProperty(app.request, 'route', {
    configurable: true,
    enumerable: true,
    get(this: WatchedRequest) {
      return this[ROUTE];
    },
    set(this: WatchedRequest, value: { path?: unknown } | undefined) {
      // set on the match and again when the route dispatches, with the same base URL
      if (value === this[ROUTE]) return;
      this[ROUTE] = value;
      const path = value?.path;
      this[PATTERN] = typeof path === 'string' ? `${this.baseUrl}${path}` : '(pattern)';
    },
  });
}

export interface RequestTelemetryOptions {
  /** request metrics (absent: none are kept); spans are made either way */
  metrics?: PlatformMetrics | undefined;
  /** where each request's line goes: method, URL (sensitive query values redacted), status, time */
  logger: Logger;
}

/** Mount first, after the correlation ids: everything later is measured, traced and logged. */
export function requestTelemetry(app: Express, options: RequestTelemetryOptions): RequestHandler {
  const { metrics, logger } = options;
  watchRoutePatterns(app);
  const cells = new Map<string, HistogramCell>();

  /** One line per request, with the request's log context: warn for 4xx and error for 5xx;
   *  info when the client went away first (its business, not a fault here). */
  function logLine(req: Request, status: number, ms: number, aborted: boolean, logContext: LogContext): void {
    const level = aborted ? 'info' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const write = () =>
      logger[level](
        {
          req: { method: req.method, url: loggableUrl(req.originalUrl) },
          res: { statusCode: status },
          responseTime: Math.round(ms * 10) / 10,
          ...(aborted ? { aborted: true } : {}),
        },
        aborted ? 'request aborted' : status >= 500 ? 'request errored' : 'request completed',
      );
    // 'close' normally fires inside the request's context; after a client abort it may not
    if (currentLogContext() === logContext) write();
    else withLogContext(logContext, write);
  }

  return (req, res, next) => {
    const start = performance.now();
    const path = req.path;
    const traced = !UNTRACED.has(path);
    const logged = !UNLOGGED.has(path);
    // the request's own context object: authentication adds the user to it later
    const logContext = currentLogContext();
    const parent = traced ? contextFromTraceparent(req.header('traceparent'), context.active()) : undefined;
    const span = parent
      ? tracer.startSpan(
          req.method,
          {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': req.method,
              'url.path': path,
              ...(logContext.correlationId ? { [SPAN_ATTRIBUTES.correlationId]: logContext.correlationId } : {}),
            },
          },
          parent,
        )
      : undefined;
    if (metrics) metrics.httpInFlight++;
    // 'close' follows 'finish' on every response, and comes alone when the client goes away first
    res.on('close', () => {
      const ms = performance.now() - start;
      const route = (req as WatchedRequest)[PATTERN] ?? UNMATCHED_ROUTE;
      const aborted = !res.writableFinished;
      const status = res.headersSent ? res.statusCode : 499; // 499: the client went away first
      if (metrics) {
        metrics.httpInFlight--;
        // a Server-Sent Events stream lasts as long as the client listens: not a latency
        if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
          const key = `${req.method} ${route} ${status}`;
          let cell = cells.get(key);
          if (!cell) cells.set(key, (cell = metrics.httpDuration.cell(req.method, route, String(status))));
          cell.observe(ms / 1000);
        }
      }
      if (span) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
        span.setAttribute('http.response.status_code', status);
        if (logContext.userId) span.setAttribute(SPAN_ATTRIBUTES.userId, logContext.userId);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      if (logged) logLine(req, status, ms, aborted, logContext);
    });
    // Without a tracing SDK and without a caller's trace, the span is an empty no-op: there
    // is no trace for later spans to join, so no context is made for it.
    if (span && (span.isRecording() || isSpanContextValid(span.spanContext())))
      context.with(trace.setSpan(parent!, span), next);
    else next();
  };
}

/** GET /metrics: this platform's and the process's metrics, Prometheus text format. */
export function metricsEndpoint(metrics: PlatformMetrics): RequestHandler {
  return (_req, res, next) => {
    metrics.render().then((text) => {
      res.setHeader('content-type', metrics.contentType);
      res.setHeader('cache-control', 'no-store');
      res.send(text);
    }, next);
  };
}

const SENSITIVE_QUERY = /token|code|secret|password|email|key|sig|^q$/i;

/** A request URL fit for a log line: values of query parameters that may carry secrets
 *  or personal data (tokens, emails, free-text search) are replaced. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [name] of params) if (SENSITIVE_QUERY.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}
