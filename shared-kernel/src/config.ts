/**
 * Configuration comes only from environment variables, with embedded defaults. Every
 * variable is parsed and validated at start; a wrong value stops the process with a
 * message naming the variable.
 */
import path from 'node:path';

export type Role = 'command' | 'read-api' | 'projector' | 'reactor';
export const ALL_ROLES: readonly Role[] = ['command', 'read-api', 'projector', 'reactor'];

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  roles: Role[];
  dataDir: string;
  eventStoreUrl: string | null;
  mongodbUrl: string | null;
  mongodbDb: string;
  jwtSecret: string;
  jwtIssuer: string;
  holdMinutes: number;
  demoData: boolean;
  logLevel: string;
  /** how long a read with `?after=` waits for projections, in ms */
  readYourWritesTimeoutMs: number;
  /** projection lag (events) above which /ready says not ready */
  readyMaxLag: number;
  maxBodyBytes: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export const DEFAULT_JWT_SECRET = 'embedded-development-secret-change-me';

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got ${JSON.stringify(raw)}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, test or production, got ${JSON.stringify(nodeEnv)}`);
  }
  const roles = (env.ROLES ?? ALL_ROLES.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!ALL_ROLES.includes(r as Role)) {
      throw new ConfigError('ROLES', `unknown role ${JSON.stringify(r)}; known: ${ALL_ROLES.join(', ')}`);
    }
  }
  if (roles.length === 0) throw new ConfigError('ROLES', 'names no role');
  const jwtSecret = env.JWT_SECRET ?? DEFAULT_JWT_SECRET;
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  if (nodeEnv === 'production' && jwtSecret === DEFAULT_JWT_SECRET) {
    throw new ConfigError('JWT_SECRET', 'the embedded default secret is refused in production');
  }
  return {
    env: nodeEnv as Config['env'],
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    roles: roles as Role[],
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:']),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    mongodbDb: env.MONGODB_DB ?? 'booking',
    jwtSecret,
    jwtIssuer: env.JWT_ISSUER ?? 'booking-platform',
    holdMinutes: int(env, 'HOLD_MINUTES', 15, 1, 24 * 60),
    demoData: bool(env, 'DEMO_DATA', nodeEnv !== 'production'),
    logLevel: env.LOG_LEVEL ?? 'info',
    readYourWritesTimeoutMs: int(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 2000, 0, 30_000),
    readyMaxLag: int(env, 'READY_MAX_LAG', 1000, 0, Number.MAX_SAFE_INTEGER),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
  };
}
