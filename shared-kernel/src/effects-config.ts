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
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string } | null;
  reminderLeadMinutes: number;
  tiktok: {
    apiUrl: string;
    accessToken: string | null;
    pixelCode: string;
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
  const sid = env.TWILIO_ACCOUNT_SID || null;
  const token = env.TWILIO_AUTH_TOKEN || null;
  const from = env.TWILIO_FROM || null;
  if ((sid || token || from) && !(sid && token && from)) {
    throw new ConfigError(
      !sid ? 'TWILIO_ACCOUNT_SID' : !token ? 'TWILIO_AUTH_TOKEN' : 'TWILIO_FROM',
      'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM go together',
    );
  }
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
    twilio:
      sid && token && from
        ? {
            accountSid: sid,
            authToken: token,
            from,
            apiUrl: url(env, 'TWILIO_API_URL', ['http:', 'https:']) ?? 'https://api.twilio.com',
          }
        : null,
    reminderLeadMinutes: int(env, 'REMINDER_LEAD_MINUTES', 24 * 60, 1, 30 * 24 * 60),
    tiktok: {
      apiUrl:
        url(env, 'TIKTOK_API_URL', ['http:', 'https:']) ?? 'https://business-api.tiktok.com/open_api/v1.3/event/track/',
      accessToken: env.TIKTOK_ACCESS_TOKEN || null,
      pixelCode: env.TIKTOK_PIXEL_CODE || 'DRYRUNPIXEL',
      testEventCode: env.TIKTOK_TEST_EVENT_CODE || null,
      purchaseEventName: purchase,
      maxAttempts: int(env, 'TIKTOK_MAX_ATTEMPTS', 5, 1, 20),
      baseBackoffMs: int(env, 'TIKTOK_BACKOFF_MS', 500, 0, 60_000),
    },
  };
}
