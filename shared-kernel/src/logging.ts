import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

/** What every log line of a request or a handled event carries. */
export interface LogContext {
  correlationId?: string;
  causationId?: string;
  userId?: string;
  role?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `ctx` attached to every log line written inside it. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...ctx }, fn);
}

export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

export function createLogger(options: { level?: string; role?: string } = {}): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { role: options.role ?? 'platform' },
    // Secrets never reach a log line, whatever object is logged.
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'cardNumber',
        '*.cardNumber',
      ],
      censor: '[redacted]',
    },
    mixin: () => ({ ...context.getStore() }),
  });
}

export type { Logger };
