/**
 * Per-request telemetry: the latency histogram by method, route pattern and status, the
 * in-flight gauge, and a SERVER span (continuing the caller's W3C `traceparent`) that is
 * active while the request is handled, so appends and outbound calls become its children.
 * `/metrics` serves the registry in the Prometheus text format.
 */
import type { Request, RequestHandler } from 'express';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HistogramCell, PlatformMetrics } from '../observability/metrics.js';
import { contextFromTraceparent, SPAN_ATTRIBUTES, tracer } from '../observability/tracing.js';
import { currentLogContext } from '../logging.js';

/** probes and scrapes: measured, never traced */
const UNTRACED = new Set(['/health', '/ready', '/metrics']);
/** the route label of a request no route matched (404s, static files of the UI) */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Express sets `req.route` when a route matches, while `req.baseUrl` is still the mount
 * path; by the time an error handler answers, `baseUrl` is reset. So the pattern is taken
 * at the moment of the match.
 */
function watchRoute(req: Request): () => string {
  let route: unknown;
  let pattern = UNMATCHED_ROUTE;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      const path = value?.path;
      pattern = typeof path === 'string' ? `${req.baseUrl}${path}` : '(pattern)';
    },
  });
  return () => pattern;
}

export function requestTelemetry(metrics: PlatformMetrics | undefined): RequestHandler {
  const cells = new Map<string, HistogramCell>();
  return (req, res, next) => {
    const start = performance.now();
    const routeOf = watchRoute(req);
    const traced = !UNTRACED.has(req.path);
    const logContext = currentLogContext();
    const parent = contextFromTraceparent(req.header('traceparent'), context.active());
    const span = traced
      ? tracer.startSpan(
          req.method,
          {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': req.method,
              'url.path': req.path,
              ...(logContext.correlationId ? { [SPAN_ATTRIBUTES.correlationId]: logContext.correlationId } : {}),
            },
          },
          parent,
        )
      : undefined;
    if (metrics) metrics.httpInFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const route = routeOf();
      const status = res.headersSent ? res.statusCode : 499; // 499: the client went away first
      if (metrics) {
        metrics.httpInFlight--;
        // a Server-Sent Events stream lasts as long as the client listens: not a latency
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return endSpan(route, status);
        const key = `${req.method} ${route} ${status}`;
        let cell = cells.get(key);
        if (!cell) cells.set(key, (cell = metrics.httpDuration.cell(req.method, route, String(status))));
        cell.observe((performance.now() - start) / 1000);
      }
      endSpan(route, status);
    };
    const endSpan = (route: string, status: number) => {
      if (!span) return;
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      if (logContext.userId) span.setAttribute(SPAN_ATTRIBUTES.userId, logContext.userId);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', finish);
    res.once('close', finish);
    if (span) context.with(trace.setSpan(parent, span), next);
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
