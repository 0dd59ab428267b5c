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
 * Keys whose values never reach a log line, at any of the first three levels of a logged
 * object: secrets, credentials and raw personal data (emails, phone numbers, names of
 * people, card numbers). Ids (user id, booking id) stay: they are how logs are joined.
 */
const SENSITIVE_KEYS = [
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
export const REDACTED_PATHS = SENSITIVE_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const sep = key.startsWith('[') ? '' : '.';
  return [key, `*${sep}${key}`, `*.*${sep}${key}`];
});

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` attached to every log line written inside it. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...ctx }, fn);
}

export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

/** Ids of the span active where the line is written, so a log line leads to its trace. */
function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(otelContext.active());
  if (!span?.isRecording()) return {};
  const sc = span.spanContext();
  return { traceId: sc.traceId, spanId: sc.spanId };
}

export function createLogger(options: { level?: string; role?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { role: options.role ?? 'platform' },
      // Secrets and personal data never reach a log line, whatever object is logged.
      redact: { paths: [...REDACTED_PATHS, 'req.headers.authorization'], censor: '[redacted]' },
      mixin: () => ({ ...context.getStore(), ...traceFields() }),
    },
    options.destination,
  );
}

export type { Logger };
