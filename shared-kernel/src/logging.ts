import { AsyncLocalStorage } from 'node:async_hooks';
import { context as otelContext, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

/** What every log line of a request or a handled event carries (next to the process's
 *  `role`, which names the platform roles it runs). */
export interface LogContext {
  correlationId?: string;
  causationId?: string;
  userId?: string;
  /** the caller's role (customer, provider, admin...) */
  userRole?: string;
}

/**
 * Keys whose values never reach a log line, at any depth of a logged object: secrets,
 * credentials and raw personal data (emails, phone numbers, names of people, card
 * numbers). Ids (user id, booking id) stay: they are how logs are joined.
 */
export const SENSITIVE_KEYS: readonly string[] = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'authorization',
  'cookie',
  'set-cookie',
  'secret',
  'clientSecret',
  'client_secret',
  'apiKey',
  'secretKey',
  'webhookSecret',
  'cardNumber',
  'email',
  'phone',
  'to',
];
const SENSITIVE = new Set(SENSITIVE_KEYS);
/** a line that may hold one of those keys (JSON keys are quoted and followed by a colon) */
const MAY_BE_SENSITIVE = new RegExp(`"(?:${SENSITIVE_KEYS.map((k) => k.replace(/[^\w]/g, '\\$&')).join('|')})":`);
const CENSOR = '[redacted]';
const MAX_DEPTH = 64;

function censored(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) return CENSOR;
  if (Array.isArray(value)) return value.map((v) => censored(v, depth + 1));
  // no prototype: a "__proto__" key of the line stays a plain key
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) out[key] = SENSITIVE.has(key) ? CENSOR : censored(v, depth + 1);
  return out;
}

/**
 * The line as written, or with the value of every sensitive key replaced. Checked on the
 * finished JSON line: most lines hold no such key and cost one scan, where redacting the
 * logged objects path by path cost more than the rest of a request line.
 */
export function redactLine(line: string): string {
  if (!MAY_BE_SENSITIVE.test(line)) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // pino writes JSON; should a line ever not be, it is not written as it is
    return `${JSON.stringify({ level: 50, time: Date.now(), msg: 'a log line that could not be checked for secrets was withheld' })}\n`;
  }
  return `${JSON.stringify(censored(parsed, 0))}\n`;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` attached to every log line written inside it (over the outer context). */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  const outer = context.getStore();
  // always the same four properties, in the same order: a shape V8 keeps fast
  return context.run(
    {
      correlationId: 'correlationId' in ctx ? ctx.correlationId : outer?.correlationId,
      causationId: 'causationId' in ctx ? ctx.causationId : outer?.causationId,
      userId: 'userId' in ctx ? ctx.userId : outer?.userId,
      userRole: 'userRole' in ctx ? ctx.userRole : outer?.userRole,
    },
    fn,
  );
}

export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

/**
 * What every line carries besides its own fields: the log context and the ids of the span
 * active where the line is written (so a line leads to its trace). A fixed set of
 * properties, undefined ones left out of the line by pino.
 */
function contextFields(): LogContext & { traceId?: string; spanId?: string } {
  const c = context.getStore();
  const span = trace.getSpan(otelContext.active());
  const sc = span?.isRecording() ? span.spanContext() : undefined;
  return {
    correlationId: c?.correlationId,
    causationId: c?.causationId,
    userId: c?.userId,
    userRole: c?.userRole,
    traceId: sc?.traceId,
    spanId: sc?.spanId,
  };
}

export function createLogger(options: { level?: string; role?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { role: options.role ?? 'platform' },
      // Secrets and personal data never reach a log line, whatever object is logged.
      hooks: { streamWrite: redactLine },
      mixin: contextFields,
    },
    options.destination,
  );
}

export type { Logger };
