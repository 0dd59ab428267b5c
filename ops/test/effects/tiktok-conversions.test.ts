/** TikTok Events API forwarding against a local server that checks the documented schema. */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@booking/shared-kernel';
import { TikTokEventsClient, type TikTokEvent } from '@booking/projections';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';
import { startTikTokCheckServer, type TikTokCheckServer } from './tiktok-server.js';
import { eventsOfType } from './helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('TikTok Events API conversions', () => {
  let tiktok: TikTokCheckServer;
  let h: Harness | null = null;
  beforeEach(async () => {
    tiktok = await startTikTokCheckServer('PIXEL123');
  });
  afterEach(async () => {
    await h?.stop();
    h = null;
    await tiktok.close();
  });

  it('sends InitiateCheckout, Purchase and Schedule with hashed user data, retrying 429/500/throttling', async () => {
    tiktok.script.push(
      { status: 429, code: 40100 },
      { status: 500, code: 50000 },
      { status: 200, code: 40100, message: 'QPS limit' },
    );
    h = await startHarness({
      clock: new ManualClock(new Date()),
      env: {
        TIKTOK_API_URL: tiktok.url,
        TIKTOK_ACCESS_TOKEN: 'token',
        TIKTOK_PIXEL_CODE: 'PIXEL123',
        TIKTOK_TEST_EVENT_CODE: 'TEST42',
        TIKTOK_BACKOFF_MS: '1',
      },
    });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Evening Yin',
        category: 'yoga',
        price: { amount: 2050, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const detail = await h.http
      .get(`/api/offerings/${created.body.offeringId}`)
      .set('x-min-position', created.body.position);
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .set('user-agent', 'Mozilla/5.0 (TestBrowser)')
      .send({
        offeringId: created.body.offeringId,
        slotStart: detail.body.slots[2].start,
        attribution: { ttclid: 'CLICK-1' },
      });
    const bookingId = booked.body.bookingId as string;
    const started = await h.http.post(`/api/bookings/${bookingId}/payment`).set(h.auth('customer-alice'));
    await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });

    const recorded = await eventually(async () => {
      const e = await eventsOfType(h!, 'ConversionForwarded');
      return e.length === 3 ? e : null;
    }, 8000);
    expect(recorded.map((e) => e.data).every((d) => (d as { outcome: string }).outcome === 'sent')).toBe(true);
    expect(tiktok.requests.every((r) => r.problems.length === 0)).toBe(true);
    expect([...tiktok.accepted.keys()].sort()).toEqual(
      [`${bookingId}-InitiateCheckout`, `${bookingId}-Purchase`, `${bookingId}-Schedule`].sort(),
    );
    const purchase = tiktok.accepted.get(`${bookingId}-Purchase`) as unknown as TikTokEvent;
    expect(purchase.user).toEqual({
      email: sha('alice@example.com'),
      external_id: sha('customer-alice'),
      ttclid: 'CLICK-1',
      // the client at booking, as the command route saw it (not hashed)
      ip: expect.stringMatching(/127\.0\.0\.1$/),
      user_agent: 'Mozilla/5.0 (TestBrowser)',
    });
    for (const name of ['InitiateCheckout', 'Schedule']) {
      const e = tiktok.accepted.get(`${bookingId}-${name}`) as unknown as TikTokEvent;
      expect(e.user).toMatchObject({ ip: purchase.user.ip, user_agent: 'Mozilla/5.0 (TestBrowser)' });
    }
    const [placed] = (await eventsOfType(h, 'BookingPlaced')).filter(
      (e) => (e.data as { bookingId: string }).bookingId === bookingId,
    );
    expect((placed!.data as { client?: unknown }).client).toEqual({
      ip: purchase.user.ip,
      userAgent: 'Mozilla/5.0 (TestBrowser)',
    });
    expect(purchase.properties).toMatchObject({
      currency: 'EUR',
      value: 20.5,
      order_id: bookingId,
      contents: [{ content_id: created.body.offeringId, content_type: 'product', quantity: 1, price: 20.5 }],
    });
    expect(tiktok.requests.every((r) => r.body.test_event_code === 'TEST42')).toBe(true);
    // the first send hit 429, 500 and a throttling code before it was accepted
    const first = recorded.find((e) => (e.data as { eventName: string }).eventName === 'InitiateCheckout')!;
    expect((first.data as { attempts: number }).attempts).toBe(4);
  });

  it('parks a validation refusal without retrying, and batches at most 1,000 events per request', async () => {
    const client = new TikTokEventsClient({
      apiUrl: tiktok.url,
      accessToken: 't',
      pixelCode: 'PIXEL123',
      testEventCode: null,
      maxAttempts: 5,
      baseBackoffMs: 0,
    });
    const ev = (i: number): TikTokEvent => ({
      event: 'Purchase',
      event_time: 1_900_000_000,
      event_id: `b${i}-Purchase`,
      user: { external_id: sha(`c${i}`) },
      properties: {
        contents: [{ content_id: 'o', content_type: 'product', quantity: 1, price: 1 }],
        content_type: 'product',
        currency: 'EUR',
        value: 1,
      },
    });
    tiktok.script.push({ status: 200, code: 40002, message: 'invalid field' });
    const [refused] = await client.track([ev(0)]);
    expect(refused!.result).toMatchObject({ outcome: 'parked', code: 40002, attempts: 1 });
    expect(tiktok.requests).toHaveLength(1);

    const results = await client.track(Array.from({ length: 2500 }, (_, i) => ev(i)));
    expect(results.map((r) => r.events.length)).toEqual([1000, 1000, 500]);
    expect(results.every((r) => r.result.outcome === 'sent')).toBe(true);
    expect(tiktok.accepted.size).toBe(2500);

    // a hashing mistake is caught by the checking server
    const bad = { ...ev(9999), user: { email: 'Alice@Example.com' } };
    const [badResult] = await client.track([bad]);
    expect(badResult!.result.outcome).toBe('parked');
    expect(badResult!.result.message).toContain('SHA-256');

    const dry = new TikTokEventsClient({
      apiUrl: tiktok.url,
      accessToken: null,
      pixelCode: 'P',
      testEventCode: null,
      maxAttempts: 1,
      baseBackoffMs: 0,
    });
    const before = tiktok.requests.length;
    expect((await dry.track([ev(1)]))[0]!.result.outcome).toBe('dry-run');
    expect(tiktok.requests.length).toBe(before);
  });
});
