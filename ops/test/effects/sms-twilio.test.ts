/**
 * SMS through Twilio's REST API, against a local server that checks the request the way
 * Twilio documents it (twilio-server.ts): first the client on its own (auth variants,
 * sender variants, retries, refusals), then the notification reactor's SMS path end to end:
 * NotificationSent carries Twilio's message sid, preferences and opt-out hold, a 429 is
 * retried and a 400 is recorded as failed with Twilio's code.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type NotificationIntended, type NotificationSent } from '@booking/shared-kernel';
import {
  SmsCredentialsRejectedError,
  SmsProviderUnavailableError,
  TwilioSms,
  type TwilioSmsOptions,
} from '@booking/projections';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from './helpers.js';
import { startTwilioCheckServer, type TwilioCheckServer } from './twilio-server.js';

const ACCOUNT = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'test-auth-token';
const API_KEY = `SK${'fedcba9876543210'.repeat(2)}`;
const API_SECRET = 'test-api-secret';
const SERVICE = `MG${'00112233445566778899aabbccddeeff'}`;
const FROM = '+15005550006';
const SID = /^SM[0-9a-f]{32}$/;

describe('the Twilio client against a server checking the documented request', () => {
  let twilio: TwilioCheckServer;
  let sleeps: number[];
  beforeAll(async () => {
    twilio = await startTwilioCheckServer({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      apiKeys: { [API_KEY]: API_SECRET },
    });
  });
  afterAll(async () => twilio.close());
  beforeEach(() => {
    twilio.requests.length = 0;
    twilio.created.length = 0;
    twilio.script.length = 0;
    sleeps = [];
  });

  const client = (over: Partial<TwilioSmsOptions> = {}) =>
    new TwilioSms({
      accountSid: ACCOUNT,
      username: ACCOUNT,
      password: TOKEN,
      from: FROM,
      messagingServiceSid: null,
      apiUrl: twilio.url,
      maxAttempts: 4,
      baseBackoffMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...over,
    });

  it('Account SID and auth token, From: one form-encoded POST, the sid of the created message back', async () => {
    const result = await client().send('+33612345678', 'Booking confirmed: Morning Flow');
    expect(twilio.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
        contentType: 'application/x-www-form-urlencoded',
        user: ACCOUNT,
        form: { To: '+33612345678', From: FROM, Body: 'Booking confirmed: Morning Flow' },
        problems: [],
        answered: 201,
      }),
    ]);
    expect(result).toEqual({ outcome: 'sent', providerMessageId: twilio.created[0]!.sid, requests: 1 });
    expect(result.providerMessageId).toMatch(SID);
  });

  it('an API key and a Messaging Service: the key authenticates, MessagingServiceSid names the sender', async () => {
    const result = await client({
      username: API_KEY,
      password: API_SECRET,
      from: null,
      messagingServiceSid: SERVICE,
    }).send('+15551234567', 'hello');
    expect(result.outcome).toBe('sent');
    expect(twilio.requests[0]).toMatchObject({ user: API_KEY, problems: [] });
    expect(twilio.requests[0]!.form).toEqual({ To: '+15551234567', MessagingServiceSid: SERVICE, Body: 'hello' });
  });

  it('429 with Retry-After, then 201: waits as told, one message created', async () => {
    twilio.script.push({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 2 });
    const result = await client().send('+33612345678', 'hi');
    expect(twilio.requests.map((r) => r.answered)).toEqual([429, 201]);
    expect(sleeps).toEqual([2000]);
    expect(twilio.created).toHaveLength(1);
    expect(result).toEqual({ outcome: 'sent', providerMessageId: twilio.created[0]!.sid, requests: 2 });
  });

  it('5xx is retried with exponential backoff; still failing after the last attempt throws for a later delivery', async () => {
    twilio.script.push({ status: 500 }, { status: 503 });
    expect((await client().send('+33612345678', 'hi')).outcome).toBe('sent');
    expect(twilio.requests.map((r) => r.answered)).toEqual([500, 503, 201]);
    expect(sleeps).toEqual([100, 200]);

    twilio.requests.length = 0;
    twilio.script.push({ status: 500 }, { status: 502 }, { status: 503 }, { status: 500 });
    await expect(client().send('+33612345678', 'hi')).rejects.toBeInstanceOf(SmsProviderUnavailableError);
    expect(twilio.requests).toHaveLength(4);
  });

  it('a 400 (21211 invalid To) is final: one request, failed with Twilio code, message and link', async () => {
    const result = await client().send('+15005550001', 'hi');
    expect(twilio.requests).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'failed', errorCode: 21211, requests: 1 });
    expect(result.outcome === 'failed' && result.error).toMatch(
      /HTTP 400, code 21211: .*not a valid phone number.*https:\/\/www\.twilio\.com\/docs\/errors\/21211/,
    );
    expect(twilio.created).toEqual([]);
  });

  it('rejected credentials (401, 20003) throw instead of marking the message failed', async () => {
    await expect(client({ password: 'wrong' }).send('+33612345678', 'hi')).rejects.toBeInstanceOf(
      SmsCredentialsRejectedError,
    );
    expect(twilio.requests.map((r) => r.answered)).toEqual([401]);
  });
});

describe('the notification reactor sends SMS through Twilio', () => {
  let h: Harness;
  let twilio: TwilioCheckServer;
  let offeringId: string;
  let slotStart: string;
  let sleeps: number[];

  beforeEach(async () => {
    twilio = await startTwilioCheckServer({ accountSid: ACCOUNT, authToken: TOKEN });
    sleeps = [];
    h = await startHarness({
      clock: new ManualClock(new Date()),
      env: {
        TWILIO_API_URL: twilio.url,
        TWILIO_ACCOUNT_SID: ACCOUNT,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_FROM: FROM,
      },
      effects: {
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Sunrise Flow',
        category: 'yoga',
        price: { amount: 1800, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slotStart = detail.body.slots[3].start;
  });
  afterEach(async () => {
    await h.stop();
    await twilio.close();
  });

  async function setPreferences(body: Record<string, unknown>) {
    const res = await h.http.put('/api/me/notification-preferences').set(h.auth('customer-alice')).send(body);
    expect(res.status).toBe(200);
    await eventually(() => h.platform.documentStore.collection('notification_preferences').get('customer-alice'));
  }

  async function bookAndPay(): Promise<string> {
    const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    return booked.body.bookingId as string;
  }

  async function smsRecords(bookingId: string): Promise<NotificationSent[]> {
    return (await eventsOfType(h, 'NotificationSent'))
      .map((e) => e.data as NotificationSent)
      .filter((d) => d.channel === 'sms' && d.bookingId === bookingId);
  }

  const smsRecorded = (bookingId: string) => eventually(async () => (await smsRecords(bookingId))[0] ?? null, 8000);

  it('records NotificationSent with the sid Twilio created, for the phone the customer gave', async () => {
    await setPreferences({ email: true, sms: true, phone: '+33612345678' });
    const bookingId = await bookAndPay();
    const sent = await smsRecorded(bookingId);
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]).toMatchObject({ problems: [], answered: 201, user: ACCOUNT });
    expect(twilio.requests[0]!.form).toMatchObject({ To: '+33612345678', From: FROM });
    expect(twilio.requests[0]!.form.Body).toContain('Sunrise Flow');
    expect(sent).toMatchObject({
      template: 'booking-confirmation',
      outcome: 'sent',
      providerMessageId: twilio.created[0]!.sid,
      attempts: 1,
    });
    expect(sent.providerMessageId).toMatch(SID);
    const intents = (await eventsOfType(h, 'NotificationIntended'))
      .map((e) => e.data as NotificationIntended)
      .filter((d) => d.channel === 'sms');
    expect(intents).toEqual([expect.objectContaining({ notificationId: sent.notificationId, attempt: 1 })]);
  });

  it('an SMS opt-out (phone kept) sends nothing to Twilio and records no SMS', async () => {
    await setPreferences({ email: true, sms: false, phone: '+33612345678' });
    const bookingId = await bookAndPay();
    // the confirmation mail comes from the same handler, just before the SMS would
    await eventually(async () => {
      const all = (await eventsOfType(h, 'NotificationSent')).map((e) => e.data as NotificationSent);
      return all.some((d) => d.bookingId === bookingId && d.template === 'booking-confirmation');
    }, 8000);
    await settle(h);
    expect(twilio.requests).toEqual([]);
    expect(await smsRecords(bookingId)).toEqual([]);
  });

  it('429 then 201: retried after the Retry-After, one message, its sid recorded', async () => {
    twilio.script.push({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 1 });
    await setPreferences({ email: true, sms: true, phone: '+33612345678' });
    const bookingId = await bookAndPay();
    const sent = await smsRecorded(bookingId);
    expect(twilio.requests.map((r) => r.answered)).toEqual([429, 201]);
    expect(sleeps).toContain(1000);
    expect(twilio.created).toHaveLength(1);
    expect(sent).toMatchObject({ outcome: 'sent', providerMessageId: twilio.created[0]!.sid });
  });

  it('400 (21211, invalid To): no retry, recorded as failed with the code and reason, nothing parked', async () => {
    await setPreferences({ email: true, sms: true, phone: '+15005550001' });
    const bookingId = await bookAndPay();
    const failed = await smsRecorded(bookingId);
    await settle(h);
    expect(twilio.requests.map((r) => r.answered)).toEqual([400]);
    expect(failed).toMatchObject({ outcome: 'failed', providerMessageId: 'not-sent', errorCode: 21211 });
    expect(failed.error).toMatch(/not a valid phone number/);
    expect(await h.platform.documentStore.collection('reactor_dead_letters').find({})).toEqual([]);
  });
});
