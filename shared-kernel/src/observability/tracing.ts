/**
 * OpenTelemetry tracing through the OpenTelemetry API only: without a registered SDK
 * (the embedded default) every span is a no-op. `startTracing` (tracing-setup.ts) or a
 * test registers one.
 *
 * One trace follows a command through the roles: the HTTP span, the event store append
 * (whose span context is written into each appended event's metadata as a W3C
 * `traceparent`), the relay's publish (which rewrites that field and sets the Kafka
 * `traceparent` header), the reactor that handles the event, and its outbound calls.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { currentLogContext } from '../logging.js';

export const tracer = trace.getTracer('booking-platform');

/** Span attribute names of the platform's own metadata. */
export const SPAN_ATTRIBUTES = {
  correlationId: 'booking.correlation_id',
  causationId: 'booking.causation_id',
  userId: 'enduser.id',
  eventId: 'booking.event.id',
  eventType: 'booking.event.type',
  streamId: 'booking.stream.id',
  eventCount: 'booking.event.count',
  reactor: 'booking.reactor',
} as const;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` of a span context. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** The `traceparent` of the recording span active in `ctx`, if any (none when tracing is off). */
export function activeTraceparent(ctx: Context = context.active()): string | undefined {
  const span = trace.getSpan(ctx);
  return span?.isRecording() ? formatTraceparent(span.spanContext()) : undefined;
}

/** A context whose parent is the span a `traceparent` names (ROOT when it is absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined, base: Context = ROOT_CONTEXT): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return base;
  return trace.setSpanContext(base, {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** the parent (default: the active context) */
  parent?: Context;
}

/** Marks a span failed with the error (never its message for 4xx-style refusals: that is the caller's business). */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
}

/** Runs `fn` inside a new span (active for everything `fn` awaits), ending it after. */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
  );
  if (span.isRecording()) {
    const log = currentLogContext();
    if (log.correlationId && options.attributes?.[SPAN_ATTRIBUTES.correlationId] === undefined)
      span.setAttribute(SPAN_ATTRIBUTES.correlationId, log.correlationId);
  }
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Wraps the named async methods of a port (payment gateway, mailer, object store) in
 * CLIENT spans `<prefix>.<method>`; everything else passes through untouched. Methods run
 * on the original object, so adapters with private fields keep working.
 */
export function tracedPort<T extends object>(target: T, prefix: string, methods: readonly (keyof T & string)[]): T {
  const wrapped = new Map<PropertyKey, unknown>();
  for (const m of methods) {
    const original = target[m];
    if (typeof original !== 'function') continue;
    wrapped.set(m, (...args: unknown[]) =>
      inSpan(`${prefix}.${m}`, { kind: SpanKind.CLIENT }, () =>
        Promise.resolve((original as (...a: unknown[]) => unknown).apply(target, args)),
      ),
    );
  }
  return new Proxy(target, {
    get(t, property) {
      if (wrapped.has(property)) return wrapped.get(property);
      const value: unknown = Reflect.get(t, property, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

export { SpanKind, SpanStatusCode, context, trace };
export type { Span, Context };
