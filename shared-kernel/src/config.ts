/**
 * Configuration comes only from environment variables, with embedded defaults. Every
 * variable is parsed and validated at start; a wrong value stops the process with a
 * message naming the variable.
 */
import path from 'node:path';
import { loadEffectsConfig, type EffectsConfig } from './effects-config.js';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability-config.js';

export type Role = 'command' | 'read-api' | 'projector' | 'reactor' | 'relay';
/** the roles `npm start` runs by default (plus `relay` when KAFKA_BROKERS is set) */
export const ALL_ROLES: readonly Role[] = ['command', 'read-api', 'projector', 'reactor'];
export const KNOWN_ROLES: readonly Role[] = [...ALL_ROLES, 'relay'];

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  roles: Role[];
  dataDir: string;
  eventStoreUrl: string | null;
  mongodbUrl: string | null;
  mongodbDb: string;
  /** Kafka bootstrap brokers (`host:port`); null: reactors follow the event store, no relay */
  kafkaBrokers: string[] | null;
  /** prefix of topic and consumer group names (several environments on one cluster) */
  kafkaTopicPrefix: string;
  /** Redis (`redis://`, `rediss://`): rate-limit counters shared by every instance; null: in-process */
  redisUrl: string | null;
  /** prefix of every Redis key (several environments on one server) */
  redisKeyPrefix: string;
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
  identity: IdentityConfig;
  /** receipts, notifications, conversions (issue #7) */
  effects: EffectsConfig;
  /** payment gateway (issue #6): Stripe when a secret key is set, else the sandbox */
  payments: PaymentsConfig;
  /** geocoding and place autocomplete (issue #9): Google when a key is set, else none */
  geo: GeoConfig;
  /** /metrics and OpenTelemetry traces (issue #11) */
  observability: ObservabilityConfig;
}

export interface GeoConfig {
  /** null: no geocoder; the /api/geo endpoints answer 404 and providers enter coordinates by hand */
  googleMapsApiKey: string | null;
  /** base URL of the Maps web services (another host in tests) */
  googleMapsApiUrl: string;
  /** timeout of one call to the provider, in ms */
  geocoderTimeoutMs: number;
  /** GOOGLE_MAPS_BROWSER_KEY: the Maps JavaScript API key handed to the SPA (referrer-restricted; never the server key) */
  googleMapsBrowserKey: string | null;
}

export interface PaymentsConfig {
  stripeSecretKey: string | null;
  /** another Stripe API base URL (stripe-mock: http://127.0.0.1:12111) */
  stripeApiUrl: string | null;
  /** `whsec_…`: verifies `Stripe-Signature` on POST /api/payments/webhooks/stripe */
  stripeWebhookSecret: string | null;
  /** how old a signed webhook may be, in seconds */
  stripeWebhookToleranceSeconds: number;
  /** handed to the SPA by GET /api/payments/config */
  stripePublishableKey: string | null;
  /** a payment still STARTED this long after it began is checked with the gateway */
  reconcileAfterMinutes: number;
  /** PayPal as a second payment method (issue #12): null unless PAYPAL_CLIENT_ID and _SECRET are set */
  paypal: PayPalConfig | null;
}

export interface PayPalConfig {
  /** the REST app's client id (also handed to the SPA for PayPal's button) */
  clientId: string;
  clientSecret: string;
  /** the webhook's id in the PayPal app: verifies POST /api/payments/webhooks/paypal (null: 404) */
  webhookId: string | null;
  /** default https://api-m.sandbox.paypal.com; https://api-m.paypal.com for live money */
  apiUrl: string;
}

/** Accounts, tokens and the security of the HTTP APIs. */
export interface IdentityConfig {
  jwtAlgorithm: 'HS256' | 'RS256' | 'ES256';
  jwtPrivateKey: string | null;
  jwtPublicKey: string | null;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** scrypt cost: N = 2^log2N (15 in production at least) */
  passwordScryptLog2N: number;
  /** where links in emails point (the SPA) */
  publicBaseUrl: string;
  mailFrom: string;
  verificationTokenTtlMinutes: number;
  resetTokenTtlMinutes: number;
  adminEmail: string | null;
  adminPassword: string | null;
  /** password of the seeded demo accounts (not in production) */
  demoPassword: string;
  corsOrigins: string[];
  trustProxy: number;
  /** overall requests per minute per user or IP (0: off) */
  rateLimitPerMinute: number;
  /** login/register/password-reset requests per minute per IP, and per account */
  authRateLimitPerMinute: number;
  authAccountRateLimitPerMinute: number;
  /** failed logins before an account locks; lock time doubles from the base up to the cap */
  lockoutThreshold: number;
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
  /** social login: audiences (client ids) and JWKS URLs; empty audience disables */
  googleClientIds: string[];
  googleJwksUrl: string;
  googleIssuers: string[];
  appleClientIds: string[];
  appleJwksUrl: string;
  appleIssuers: string[];
}

export const DEFAULT_DEMO_PASSWORD = 'demo-password-1234';

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

/** `alternatives`: more accepted protocols, named after the main ones in the message */
function url(
  env: Env,
  name: string,
  protocols: string[],
  alternatives?: { protocols: string[]; what: string },
): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got ${JSON.stringify(raw)}`);
  }
  if (!protocols.includes(parsed.protocol) && !alternatives?.protocols.includes(parsed.protocol)) {
    const more = alternatives ? ` (or ${alternatives.protocols.join(' or ')} for ${alternatives.what})` : '';
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}${more}`);
  }
  return raw;
}

/** `host:port[,host:port...]` */
function brokers(env: Env, name: string): string[] | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  const list = raw.split(',').map((b) => b.trim());
  for (const b of list) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new ConfigError(name, `must be host:port[,host:port...], got ${JSON.stringify(b)}`);
    }
  }
  return list;
}

function kafkaTopicPrefix(env: Env): string {
  const raw = env.KAFKA_TOPIC_PREFIX ?? '';
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw))
    throw new ConfigError(
      'KAFKA_TOPIC_PREFIX',
      `may hold only letters, digits, '.', '_' and '-', got ${JSON.stringify(raw)}`,
    );
  return raw;
}

function redisKeyPrefix(env: Env): string {
  const raw = env.REDIS_KEY_PREFIX ?? 'booking:';
  if (!/^[A-Za-z0-9._:-]{0,100}$/.test(raw))
    throw new ConfigError(
      'REDIS_KEY_PREFIX',
      `may hold only letters, digits, '.', '_', ':' and '-', got ${JSON.stringify(raw)}`,
    );
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, test or production, got ${JSON.stringify(nodeEnv)}`);
  }
  const kafkaBrokers = brokers(env, 'KAFKA_BROKERS');
  const roles = (env.ROLES ?? [...ALL_ROLES, ...(kafkaBrokers ? ['relay'] : [])].join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!KNOWN_ROLES.includes(r as Role)) {
      throw new ConfigError('ROLES', `unknown role ${JSON.stringify(r)}; known: ${KNOWN_ROLES.join(', ')}`);
    }
  }
  if (roles.length === 0) throw new ConfigError('ROLES', 'names no role');
  if (roles.includes('relay') && !kafkaBrokers)
    throw new ConfigError('ROLES', 'the relay role publishes to Kafka: set KAFKA_BROKERS');
  const jwtSecret = env.JWT_SECRET ?? DEFAULT_JWT_SECRET;
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  if (nodeEnv === 'production' && jwtSecret === DEFAULT_JWT_SECRET) {
    throw new ConfigError('JWT_SECRET', 'the embedded default secret is refused in production');
  }
  const list = (name: string) =>
    (env[name] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const jwtAlgorithm = (env.JWT_ALGORITHM ?? 'HS256') as IdentityConfig['jwtAlgorithm'];
  if (!['HS256', 'RS256', 'ES256'].includes(jwtAlgorithm))
    throw new ConfigError('JWT_ALGORITHM', 'must be HS256, RS256 or ES256');
  const jwtPrivateKey = env.JWT_PRIVATE_KEY || null;
  const jwtPublicKey = env.JWT_PUBLIC_KEY || null;
  if (jwtAlgorithm !== 'HS256' && !jwtPrivateKey)
    throw new ConfigError('JWT_PRIVATE_KEY', `is required with JWT_ALGORITHM=${jwtAlgorithm}`);
  const passwordScryptLog2N = int(env, 'PASSWORD_SCRYPT_LOG2N', 15, 10, 20);
  if (nodeEnv === 'production' && passwordScryptLog2N < 15)
    throw new ConfigError('PASSWORD_SCRYPT_LOG2N', 'must be at least 15 in production');
  const adminEmail = env.ADMIN_EMAIL || null;
  const adminPassword = env.ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null))
    throw new ConfigError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'ADMIN_EMAIL and ADMIN_PASSWORD go together');
  if (adminPassword !== null && adminPassword.length < 12)
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 12 characters');
  const demoPassword = env.DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
  const demoData = bool(env, 'DEMO_DATA', nodeEnv !== 'production');
  if (nodeEnv === 'production' && demoData)
    throw new ConfigError('DEMO_DATA', 'demo accounts with a published password are refused in production');
  const lockoutBaseSeconds = int(env, 'LOCKOUT_BASE_SECONDS', 30, 1, 3600);
  const identity: IdentityConfig = {
    jwtAlgorithm,
    jwtPrivateKey,
    jwtPublicKey,
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 24 * 3600),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 60, 365 * 24 * 3600),
    passwordScryptLog2N,
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ?? 'http://localhost:8080',
    mailFrom: env.MAIL_FROM ?? 'Booking Platform <no-reply@booking.example>',
    verificationTokenTtlMinutes: int(env, 'VERIFICATION_TOKEN_TTL_MINUTES', 24 * 60, 5, 30 * 24 * 60),
    resetTokenTtlMinutes: int(env, 'RESET_TOKEN_TTL_MINUTES', 30, 5, 24 * 60),
    adminEmail,
    adminPassword,
    demoPassword,
    corsOrigins: list('CORS_ORIGINS'),
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 10),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    authRateLimitPerMinute: int(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 20, 0, 1_000_000),
    authAccountRateLimitPerMinute: int(env, 'AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE', 10, 0, 1_000_000),
    lockoutThreshold: int(env, 'LOCKOUT_THRESHOLD', 5, 1, 100),
    lockoutBaseSeconds,
    lockoutMaxSeconds: Math.max(lockoutBaseSeconds, int(env, 'LOCKOUT_MAX_SECONDS', 15 * 60, 1, 24 * 3600)),
    googleClientIds: list('GOOGLE_CLIENT_IDS'),
    googleJwksUrl: url(env, 'GOOGLE_JWKS_URL', ['http:', 'https:']) ?? 'https://www.googleapis.com/oauth2/v3/certs',
    googleIssuers: env.GOOGLE_ISSUERS ? list('GOOGLE_ISSUERS') : ['https://accounts.google.com', 'accounts.google.com'],
    appleClientIds: list('APPLE_CLIENT_IDS'),
    appleJwksUrl: url(env, 'APPLE_JWKS_URL', ['http:', 'https:']) ?? 'https://appleid.apple.com/auth/keys',
    appleIssuers: env.APPLE_ISSUERS ? list('APPLE_ISSUERS') : ['https://appleid.apple.com'],
  };
  return {
    env: nodeEnv as Config['env'],
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    roles: roles as Role[],
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:'], {
      protocols: ['postgres:', 'postgresql:'],
      what: 'the PostgreSQL event store',
    }),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    mongodbDb: env.MONGODB_DB ?? 'booking',
    kafkaBrokers,
    kafkaTopicPrefix: kafkaTopicPrefix(env),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: redisKeyPrefix(env),
    jwtSecret,
    jwtIssuer: env.JWT_ISSUER ?? 'booking-platform',
    holdMinutes: int(env, 'HOLD_MINUTES', 15, 1, 24 * 60),
    demoData,
    logLevel: env.LOG_LEVEL ?? 'info',
    readYourWritesTimeoutMs: int(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 2000, 0, 30_000),
    readyMaxLag: int(env, 'READY_MAX_LAG', 1000, 0, Number.MAX_SAFE_INTEGER),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    identity,
    effects: loadEffectsConfig(env),
    payments: loadPaymentsConfig(env, nodeEnv),
    geo: loadGeoConfig(env),
    observability: loadObservabilityConfig(env),
  };
}

function loadGeoConfig(env: Env): GeoConfig {
  const googleMapsApiKey = env.GOOGLE_MAPS_API_KEY?.trim() || null;
  if (googleMapsApiKey !== null && !/^[\w-]{10,200}$/.test(googleMapsApiKey)) {
    throw new ConfigError('GOOGLE_MAPS_API_KEY', 'must be a Google Maps Platform API key (letters, digits, - and _)');
  }
  const googleMapsBrowserKey = env.GOOGLE_MAPS_BROWSER_KEY?.trim() || null;
  if (googleMapsBrowserKey !== null && !/^[\w-]{10,200}$/.test(googleMapsBrowserKey)) {
    throw new ConfigError(
      'GOOGLE_MAPS_BROWSER_KEY',
      'must be a Google Maps Platform API key (letters, digits, - and _)',
    );
  }
  return {
    googleMapsBrowserKey,
    googleMapsApiKey,
    googleMapsApiUrl: url(env, 'GOOGLE_MAPS_API_URL', ['http:', 'https:']) ?? 'https://maps.googleapis.com',
    geocoderTimeoutMs: int(env, 'GEOCODER_TIMEOUT_MS', 5000, 100, 60_000),
  };
}

function loadPaymentsConfig(env: Env, nodeEnv: string): PaymentsConfig {
  const stripeSecretKey = env.STRIPE_SECRET_KEY || null;
  if (stripeSecretKey !== null && !/^(sk|rk)_(test|live)_\w+$/.test(stripeSecretKey)) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY',
      'must be a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key)',
    );
  }
  const stripeWebhookSecret = env.STRIPE_WEBHOOK_SECRET || null;
  if (stripeWebhookSecret !== null && stripeWebhookSecret.length < 16)
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'must be at least 16 characters (whsec_…)');
  if (nodeEnv === 'production' && stripeSecretKey && !stripeWebhookSecret) {
    throw new ConfigError(
      'STRIPE_WEBHOOK_SECRET',
      'is required with STRIPE_SECRET_KEY in production (payments are confirmed by webhooks)',
    );
  }
  const stripePublishableKey = env.STRIPE_PUBLISHABLE_KEY || null;
  if (stripePublishableKey !== null && !/^pk_(test|live)_\w+$/.test(stripePublishableKey)) {
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'must be a Stripe publishable key (pk_test_… or pk_live_…)');
  }
  return {
    stripeSecretKey,
    stripeApiUrl: url(env, 'STRIPE_API_URL', ['http:', 'https:']),
    stripeWebhookSecret,
    stripeWebhookToleranceSeconds: int(env, 'STRIPE_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 3600),
    stripePublishableKey,
    reconcileAfterMinutes: int(env, 'PAYMENT_RECONCILE_AFTER_MINUTES', 30, 1, 7 * 24 * 60),
    paypal: loadPayPalConfig(env, nodeEnv),
  };
}

function loadPayPalConfig(env: Env, nodeEnv: string): PayPalConfig | null {
  const clientId = env.PAYPAL_CLIENT_ID?.trim() || null;
  const clientSecret = env.PAYPAL_CLIENT_SECRET?.trim() || null;
  const webhookId = env.PAYPAL_WEBHOOK_ID?.trim() || null;
  const apiUrl = url(env, 'PAYPAL_API_URL', ['http:', 'https:']);
  for (const [name, value] of [
    ['PAYPAL_CLIENT_ID', clientId],
    ['PAYPAL_CLIENT_SECRET', clientSecret],
  ] as const) {
    if (value !== null && !/^[\w-]{10,200}$/.test(value))
      throw new ConfigError(name, 'must be the PayPal REST app credential (10-200 letters, digits, - and _)');
  }
  if (clientId && !clientSecret) throw new ConfigError('PAYPAL_CLIENT_SECRET', 'is required with PAYPAL_CLIENT_ID');
  if (clientSecret && !clientId) throw new ConfigError('PAYPAL_CLIENT_ID', 'is required with PAYPAL_CLIENT_SECRET');
  if (webhookId !== null && !/^[A-Za-z0-9]{1,50}$/.test(webhookId))
    throw new ConfigError('PAYPAL_WEBHOOK_ID', 'must be the webhook id from the PayPal app (letters and digits)');
  if (!clientId || !clientSecret) {
    if (webhookId) throw new ConfigError('PAYPAL_WEBHOOK_ID', 'needs PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET');
    if (apiUrl) throw new ConfigError('PAYPAL_API_URL', 'needs PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET');
    return null;
  }
  if (nodeEnv === 'production' && !webhookId) {
    throw new ConfigError(
      'PAYPAL_WEBHOOK_ID',
      'is required with PAYPAL_CLIENT_ID in production (pending and refunded captures are reported by webhooks)',
    );
  }
  return { clientId, clientSecret, webhookId, apiUrl: apiUrl ?? 'https://api-m.sandbox.paypal.com' };
}
