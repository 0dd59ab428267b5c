import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ALL_ROLES, ConfigError, DEFAULT_JWT_SECRET, loadConfig } from '../src/config.js';

const SECRET = 'a-production-secret-of-at-least-32-chars';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  it('an empty environment gives the embedded defaults', () => {
    expect({
      ...loadConfig({}),
      identity: undefined,
      effects: undefined,
      payments: undefined,
      geo: undefined,
      observability: undefined,
    }).toEqual({
      identity: undefined,
      env: 'development',
      port: 8080,
      host: '0.0.0.0',
      roles: [...ALL_ROLES],
      dataDir: path.resolve('data'),
      eventStoreUrl: null,
      mongodbUrl: null,
      mongodbDb: 'booking',
      kafkaBrokers: null,
      kafkaTopicPrefix: '',
      jwtSecret: DEFAULT_JWT_SECRET,
      jwtIssuer: 'booking-platform',
      holdMinutes: 15,
      demoData: true,
      logLevel: 'info',
      readYourWritesTimeoutMs: 2000,
      readyMaxLag: 1000,
      maxBodyBytes: 64 * 1024,
      redisUrl: null,
      redisKeyPrefix: 'booking:',
    });
  });

  it('reads process.env by default, and only the given environment otherwise', () => {
    vi.stubEnv('PORT', '4321');
    try {
      expect(loadConfig().port).toBe(4321);
      expect(loadConfig({}).port).toBe(8080);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('empty strings fall back to the defaults', () => {
    const config = loadConfig({ PORT: '', HOLD_MINUTES: '', DEMO_DATA: '', EVENTSTORE_URL: '', MONGODB_URL: '' });
    expect(config).toMatchObject({
      port: 8080,
      holdMinutes: 15,
      demoData: true,
      eventStoreUrl: null,
      mongodbUrl: null,
    });
  });

  it('production turns demo data off by default', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(config.env).toBe('production');
    expect(config.demoData).toBe(false);
    expect(config.jwtSecret).toBe(SECRET);
  });
});

describe('valid values', () => {
  it('parses every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '3000',
      HOST: '127.0.0.1',
      ROLES: ' command , projector ',
      DATA_DIR: '/var/lib/booking',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      MONGODB_URL: 'mongodb+srv://cluster.example.net',
      MONGODB_DB: 'bookings_test',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'tests',
      HOLD_MINUTES: '30',
      DEMO_DATA: 'no',
      LOG_LEVEL: 'debug',
      READ_YOUR_WRITES_TIMEOUT_MS: '0',
      READY_MAX_LAG: '50',
      MAX_BODY_BYTES: '2048',
      REDIS_URL: 'redis://cache.internal:6379/2',
      REDIS_KEY_PREFIX: 'eu1:',
    });
    expect({
      ...config,
      identity: undefined,
      effects: undefined,
      payments: undefined,
      geo: undefined,
      observability: undefined,
    }).toEqual({
      identity: undefined,
      env: 'test',
      port: 3000,
      host: '127.0.0.1',
      roles: ['command', 'projector'],
      dataDir: '/var/lib/booking',
      eventStoreUrl: 'esdb://localhost:2113?tls=false',
      mongodbUrl: 'mongodb+srv://cluster.example.net',
      mongodbDb: 'bookings_test',
      kafkaBrokers: null,
      kafkaTopicPrefix: '',
      jwtSecret: SECRET,
      jwtIssuer: 'tests',
      holdMinutes: 30,
      demoData: false,
      logLevel: 'debug',
      readYourWritesTimeoutMs: 0,
      readyMaxLag: 50,
      maxBodyBytes: 2048,
      redisUrl: 'redis://cache.internal:6379/2',
      redisKeyPrefix: 'eu1:',
    });
  });

  it.each([
    ['1', true],
    ['true', true],
    ['yes', true],
    ['0', false],
    ['false', false],
    ['no', false],
  ] as const)('DEMO_DATA=%s -> %s', (raw, value) => {
    expect(loadConfig({ DEMO_DATA: raw }).demoData).toBe(value);
  });

  it.each(['esdb://a:2113', 'esdb+discover://cluster:2113', 'kurrentdb://a:2113'])(
    'EVENTSTORE_URL=%s is accepted',
    (url) => {
      expect(loadConfig({ EVENTSTORE_URL: url }).eventStoreUrl).toBe(url);
    },
  );

  it('PORT bounds 0 and 65535 are accepted', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('every invalid variable stops with a ConfigError naming it', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['PORT', { PORT: 'abc' }, /must be an integer, got "abc"/],
    ['PORT', { PORT: '80.5' }, /must be an integer/],
    ['PORT', { PORT: '70000' }, /between 0 and 65535, got 70000/],
    ['PORT', { PORT: '-1' }, /between 0 and 65535/],
    ['ROLES', { ROLES: 'foo' }, /unknown role "foo"/],
    ['ROLES', { ROLES: 'command,foo' }, /unknown role "foo"/],
    ['ROLES', { ROLES: ' , ' }, /names no role/],
    ['JWT_SECRET', { JWT_SECRET: 'too-short' }, /at least 32 characters/],
    ['JWT_SECRET', { JWT_SECRET: '' }, /at least 32 characters/],
    ['JWT_SECRET', { NODE_ENV: 'production' }, /default secret is refused in production/],
    ['JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: DEFAULT_JWT_SECRET }, /refused in production/],
    ['EVENTSTORE_URL', { EVENTSTORE_URL: 'not a url' }, /must be a URL, got "not a url"/],
    [
      'EVENTSTORE_URL',
      { EVENTSTORE_URL: 'http://localhost:2113' },
      /must use esdb: or esdb\+discover: or kurrentdb:, got http:/,
    ],
    ['MONGODB_URL', { MONGODB_URL: 'postgres://db' }, /must use mongodb: or mongodb\+srv:/],
    ['DEMO_DATA', { DEMO_DATA: 'maybe' }, /must be true or false, got "maybe"/],
    ['HOLD_MINUTES', { HOLD_MINUTES: '0' }, /between 1 and 1440, got 0/],
    ['HOLD_MINUTES', { HOLD_MINUTES: '1441' }, /between 1 and 1440/],
    ['NODE_ENV', { NODE_ENV: 'staging' }, /development, test or production/],
    ['READ_YOUR_WRITES_TIMEOUT_MS', { READ_YOUR_WRITES_TIMEOUT_MS: '30001' }, /between 0 and 30000/],
    ['MAX_BODY_BYTES', { MAX_BODY_BYTES: '10' }, /between 1024/],
    ['READY_MAX_LAG', { READY_MAX_LAG: 'lots' }, /must be an integer/],
  ])('%s (%j)', (variable, env, message) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.name).toBe('ConfigError');
  });
});

describe('KAFKA_BROKERS and the relay role', () => {
  it('a broker list switches the default roles to include the relay', () => {
    const c = loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092, kafka-2.internal:19092' });
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092', 'kafka-2.internal:19092']);
    expect(c.roles).toEqual([...ALL_ROLES, 'relay']);
    expect(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092', ROLES: 'relay' }).roles).toEqual(['relay']);
  });

  it('a malformed broker, or the relay without brokers, stops the start naming the variable', () => {
    for (const bad of ['localhost', 'kafka://x:9092', 'host:0', 'host:99999', 'a:1,']) {
      expect(() => loadConfig({ KAFKA_BROKERS: bad }), bad).toThrow(/^KAFKA_BROKERS: must be host:port/);
    }
    expect(() => loadConfig({ ROLES: 'relay' })).toThrow(
      /^ROLES: the relay role publishes to Kafka: set KAFKA_BROKERS/,
    );
  });
});

describe('effects configuration (issue #7)', () => {
  it('defaults to the embedded adapters and a dry run', () => {
    const fx = loadConfig({}).effects;
    expect(fx).toMatchObject({
      receiptTaxRateBps: 0,
      s3: null,
      smtpUrl: null,
      twilio: null,
      reminderLeadMinutes: 1440,
    });
    expect(fx.tiktok).toMatchObject({
      accessToken: null,
      purchaseEventName: 'Purchase',
      apiUrl: 'https://business-api.tiktok.com/open_api/v1.3/event/track/',
    });
  });
  it('parses and validates the variables, naming the wrong one', () => {
    const fx = loadConfig({
      RECEIPT_TAX_RATE_BPS: '2000',
      S3_ENDPOINT: 'http://127.0.0.1:4566',
      S3_BUCKET: 'r',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      TIKTOK_PURCHASE_EVENT: 'CompletePayment',
    }).effects;
    expect(fx).toMatchObject({
      receiptTaxRateBps: 2000,
      s3: { endpoint: 'http://127.0.0.1:4566', bucket: 'r' },
      smtpUrl: 'smtp://127.0.0.1:1025',
    });
    expect(fx.tiktok.purchaseEventName).toBe('CompletePayment');
    expect(() => loadConfig({ S3_ENDPOINT: 'http://x' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ RECEIPT_TAX_RATE_BPS: '-1' })).toThrow(/RECEIPT_TAX_RATE_BPS/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'AC1' })).toThrow(/TWILIO_ACCOUNT_SID/);
  });

  it('Twilio: an account SID with a token or an API key, and exactly one sender', () => {
    const sid = `AC${'a'.repeat(32)}`;
    const key = `SK${'b'.repeat(32)}`;
    const service = `MG${'c'.repeat(32)}`;
    expect(
      loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' }).effects.twilio,
    ).toEqual({
      accountSid: sid,
      username: sid,
      password: 't',
      from: '+15005550006',
      messagingServiceSid: null,
      apiUrl: 'https://api.twilio.com',
      maxAttempts: 4,
      baseBackoffMs: 500,
    });
    expect(
      loadConfig({
        TWILIO_ACCOUNT_SID: sid,
        TWILIO_API_KEY_SID: key,
        TWILIO_API_KEY_SECRET: 's',
        TWILIO_MESSAGING_SERVICE_SID: service,
      }).effects.twilio,
    ).toMatchObject({ accountSid: sid, username: key, password: 's', from: null, messagingServiceSid: service });
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_FROM: '+15005550006' })).toThrow(/TWILIO_AUTH_TOKEN/);
    expect(() => loadConfig({ TWILIO_AUTH_TOKEN: 't' })).toThrow(/TWILIO_ACCOUNT_SID/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't' })).toThrow(/TWILIO_FROM/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '0612345678' })).toThrow(
      /TWILIO_FROM/,
    );
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_API_KEY_SID: key, TWILIO_FROM: '+15005550006' })).toThrow(
      /TWILIO_API_KEY_SECRET/,
    );
    expect(() => loadConfig({ TIKTOK_PURCHASE_EVENT: 'Buy' })).toThrow(/TIKTOK_PURCHASE_EVENT/);
  });
});

describe('payments (issue #6)', () => {
  it('the sandbox by default; Stripe settings parsed when given', () => {
    expect(loadConfig({}).payments).toEqual({
      stripeSecretKey: null,
      stripeApiUrl: null,
      stripeWebhookSecret: null,
      stripeWebhookToleranceSeconds: 300,
      stripePublishableKey: null,
      reconcileAfterMinutes: 30,
      paypal: null,
    });
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
      STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_123',
      STRIPE_WEBHOOK_TOLERANCE_SECONDS: '60',
      PAYMENT_RECONCILE_AFTER_MINUTES: '5',
    });
    expect(config.payments).toEqual({
      stripeSecretKey: 'sk_test_123',
      stripeApiUrl: 'http://127.0.0.1:12111',
      stripeWebhookSecret: 'whsec_0123456789abcdef',
      stripeWebhookToleranceSeconds: 60,
      stripePublishableKey: 'pk_test_123',
      reconcileAfterMinutes: 5,
      paypal: null,
    });
  });

  it.each([
    [{ STRIPE_SECRET_KEY: 'pk_test_123' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_PUBLISHABLE_KEY: 'sk_test_123' }, 'STRIPE_PUBLISHABLE_KEY'],
    [{ STRIPE_API_URL: 'ftp://x' }, 'STRIPE_API_URL'],
    [{ STRIPE_WEBHOOK_SECRET: 'short' }, 'STRIPE_WEBHOOK_SECRET'],
    [{ PAYMENT_RECONCILE_AFTER_MINUTES: '0' }, 'PAYMENT_RECONCILE_AFTER_MINUTES'],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DEMO_DATA: 'no', STRIPE_SECRET_KEY: 'sk_live_1' },
      'STRIPE_WEBHOOK_SECRET',
    ],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});

describe('PayPal (issue #12)', () => {
  const credentials = { PAYPAL_CLIENT_ID: 'AaBbCc-client_id_123', PAYPAL_CLIENT_SECRET: 'EeFf-secret_456789' };

  it("PayPal is offered only with a client id and secret; the API URL defaults to PayPal's sandbox", () => {
    expect(loadConfig({}).payments.paypal).toBeNull();
    expect(loadConfig(credentials).payments.paypal).toEqual({
      clientId: 'AaBbCc-client_id_123',
      clientSecret: 'EeFf-secret_456789',
      webhookId: null,
      apiUrl: 'https://api-m.sandbox.paypal.com',
    });
    expect(
      loadConfig({ ...credentials, PAYPAL_WEBHOOK_ID: '1JE4291016473214C', PAYPAL_API_URL: 'http://127.0.0.1:4010' })
        .payments.paypal,
    ).toMatchObject({ webhookId: '1JE4291016473214C', apiUrl: 'http://127.0.0.1:4010' });
  });

  it.each([
    [{ PAYPAL_CLIENT_ID: 'AaBbCc-client_id_123' }, 'PAYPAL_CLIENT_SECRET'],
    [{ PAYPAL_CLIENT_SECRET: 'EeFf-secret_456789' }, 'PAYPAL_CLIENT_ID'],
    [{ ...credentials, PAYPAL_CLIENT_ID: 'has spaces in it' }, 'PAYPAL_CLIENT_ID'],
    [{ ...credentials, PAYPAL_WEBHOOK_ID: 'WH-with-dashes' }, 'PAYPAL_WEBHOOK_ID'],
    [{ ...credentials, PAYPAL_API_URL: 'ftp://paypal' }, 'PAYPAL_API_URL'],
    [{ PAYPAL_WEBHOOK_ID: '1JE4291016473214C' }, 'PAYPAL_WEBHOOK_ID'],
    [{ PAYPAL_API_URL: 'http://127.0.0.1:4010' }, 'PAYPAL_API_URL'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DEMO_DATA: 'no', ...credentials }, 'PAYPAL_WEBHOOK_ID'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});

describe('geocoding (issue #9)', () => {
  it('no geocoder by default; Google settings parsed when given', () => {
    expect(loadConfig({}).geo).toEqual({
      googleMapsApiKey: null,
      googleMapsApiUrl: 'https://maps.googleapis.com',
      geocoderTimeoutMs: 5000,
      googleMapsBrowserKey: null,
    });
    expect(
      loadConfig({
        GOOGLE_MAPS_API_KEY: 'AIzaTest_key-123',
        GOOGLE_MAPS_API_URL: 'http://127.0.0.1:9999',
        GEOCODER_TIMEOUT_MS: '800',
        GOOGLE_MAPS_BROWSER_KEY: 'AIzaBrowser_key-456',
      }).geo,
    ).toEqual({
      googleMapsApiKey: 'AIzaTest_key-123',
      googleMapsApiUrl: 'http://127.0.0.1:9999',
      geocoderTimeoutMs: 800,
      googleMapsBrowserKey: 'AIzaBrowser_key-456',
    });
  });

  it.each([
    [{ GOOGLE_MAPS_API_KEY: 'has spaces in it' }, 'GOOGLE_MAPS_API_KEY'],
    [{ GOOGLE_MAPS_API_URL: 'ftp://maps' }, 'GOOGLE_MAPS_API_URL'],
    [{ GEOCODER_TIMEOUT_MS: '5' }, 'GEOCODER_TIMEOUT_MS'],
    [{ GOOGLE_MAPS_BROWSER_KEY: 'not a key!' }, 'GOOGLE_MAPS_BROWSER_KEY'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
