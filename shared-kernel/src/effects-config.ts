/**
 * Configuration of the effect reactors (receipts, notifications, TikTok conversions).
 * Parsed from the environment with the same rules as the rest of the configuration.
 */
import { ConfigError } from './config.js';

export interface EffectsConfig {
  /** receipts: tax rate in basis points (2000 = 20 %); 0 prints no tax line */
  receiptTaxRateBps: number;
  /** object store: S3 when both are set, else `<DATA_DIR>/objects/` */
  s3: {
    endpoint: string | null;
    bucket: string;
    region: string;
    accessKeyId: string | null;
    secretAccessKey: string | null;
    prefix: string;
  } | null;
  /** SMTP when set, else the outbox folder */
  smtpUrl: string | null;
  /** SMS through Twilio when TWILIO_ACCOUNT_SID is set, else recorded, not sent */
  twilio: {
    accountSid: string;
    /** HTTP Basic user and password: the Account SID and auth token, or an API key SID and secret */
    username: string;
    password: string;
    /** exactly one names the sender */
    from: string | null;
    messagingServiceSid: string | null;
    apiUrl: string;
    maxAttempts: number;
    baseBackoffMs: number;
  } | null;
  reminderLeadMinutes: number;
  tiktok: {
    apiUrl: string;
    accessToken: string | null;
    pixelCode: string;
    /** TIKTOK_PIXEL_CODE was set: the SPA loads the browser pixel (else events are dry-run only) */
    pixelConfigured: boolean;
    testEventCode: string | null;
    purchaseEventName: 'Purchase' | 'CompletePayment';
    maxAttempts: number;
    baseBackoffMs: number;
  };
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
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
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  return raw;
}

export function loadEffectsConfig(env: Env): EffectsConfig {
  const s3Endpoint = url(env, 'S3_ENDPOINT', ['http:', 'https:']);
  const s3Bucket = env.S3_BUCKET || null;
  if (s3Endpoint && !s3Bucket) throw new ConfigError('S3_BUCKET', 'is required with S3_ENDPOINT');
  const twilio = loadTwilio(env);
  const purchase = env.TIKTOK_PURCHASE_EVENT ?? 'Purchase';
  if (purchase !== 'Purchase' && purchase !== 'CompletePayment')
    throw new ConfigError('TIKTOK_PURCHASE_EVENT', 'must be Purchase or CompletePayment');
  return {
    receiptTaxRateBps: int(env, 'RECEIPT_TAX_RATE_BPS', 0, 0, 10_000),
    s3: s3Bucket
      ? {
          endpoint: s3Endpoint,
          bucket: s3Bucket,
          region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
          accessKeyId: env.S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID || null,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY || null,
          prefix: env.S3_PREFIX ?? '',
        }
      : null,
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    twilio,
    reminderLeadMinutes: int(env, 'REMINDER_LEAD_MINUTES', 24 * 60, 1, 30 * 24 * 60),
    tiktok: {
      apiUrl:
        url(env, 'TIKTOK_API_URL', ['http:', 'https:']) ?? 'https://business-api.tiktok.com/open_api/v1.3/event/track/',
      accessToken: env.TIKTOK_ACCESS_TOKEN || null,
      pixelCode: env.TIKTOK_PIXEL_CODE || 'DRYRUNPIXEL',
      pixelConfigured: !!env.TIKTOK_PIXEL_CODE,
      testEventCode: env.TIKTOK_TEST_EVENT_CODE || null,
      purchaseEventName: purchase,
      maxAttempts: int(env, 'TIKTOK_MAX_ATTEMPTS', 5, 1, 20),
      baseBackoffMs: int(env, 'TIKTOK_BACKOFF_MS', 500, 0, 60_000),
    },
  };
}

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);

/**
 * TWILIO_ACCOUNT_SID turns SMS on; it needs a credential (TWILIO_AUTH_TOKEN, or
 * TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET) and a sender (TWILIO_FROM, an E.164 number
 * or an alphanumeric sender ID, or TWILIO_MESSAGING_SERVICE_SID).
 */
function loadTwilio(env: Env): EffectsConfig['twilio'] {
  const names = [
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_API_KEY_SID',
    'TWILIO_API_KEY_SECRET',
    'TWILIO_FROM',
    'TWILIO_MESSAGING_SERVICE_SID',
  ] as const;
  const v = Object.fromEntries(names.map((n) => [n, env[n] || null])) as Record<(typeof names)[number], string | null>;
  const sid = v.TWILIO_ACCOUNT_SID;
  if (!sid) {
    const stray = names.find((n) => v[n]);
    if (stray) throw new ConfigError('TWILIO_ACCOUNT_SID', `is required with ${stray}`);
    return null;
  }
  if (!SID('AC').test(sid)) throw new ConfigError('TWILIO_ACCOUNT_SID', 'must be AC followed by 32 hex digits');
  const keySid = v.TWILIO_API_KEY_SID;
  const keySecret = v.TWILIO_API_KEY_SECRET;
  if (!!keySid !== !!keySecret)
    throw new ConfigError(
      keySid ? 'TWILIO_API_KEY_SECRET' : 'TWILIO_API_KEY_SID',
      'TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET go together',
    );
  if (keySid && !SID('SK').test(keySid))
    throw new ConfigError('TWILIO_API_KEY_SID', 'must be SK followed by 32 hex digits');
  if (!keySid && !v.TWILIO_AUTH_TOKEN)
    throw new ConfigError(
      'TWILIO_AUTH_TOKEN',
      'is required with TWILIO_ACCOUNT_SID (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)',
    );
  const from = v.TWILIO_FROM;
  const service = v.TWILIO_MESSAGING_SERVICE_SID;
  if (!from === !service)
    throw new ConfigError('TWILIO_FROM', 'set exactly one of TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID');
  if (from && !/^\+[1-9]\d{1,14}$/.test(from) && !/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(from))
    throw new ConfigError(
      'TWILIO_FROM',
      'must be an E.164 number (+15005550006) or an alphanumeric sender ID of up to 11 characters',
    );
  if (service && !SID('MG').test(service))
    throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
  return {
    accountSid: sid,
    username: keySid ?? sid,
    password: keySid ? keySecret! : v.TWILIO_AUTH_TOKEN!,
    from,
    messagingServiceSid: service,
    apiUrl: url(env, 'TWILIO_API_URL', ['http:', 'https:']) ?? 'https://api.twilio.com',
    maxAttempts: int(env, 'TWILIO_MAX_ATTEMPTS', 4, 1, 20),
    baseBackoffMs: int(env, 'TWILIO_BACKOFF_MS', 500, 0, 60_000),
  };
}
