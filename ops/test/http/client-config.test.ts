/**
 * The SPA's read-only endpoints: `GET /api/config` (public settings: social sign-in client
 * ids, TikTok Pixel, Maps browser key — and never a secret) and
 * `GET /api/me/notification-preferences` (the caller's own channels only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test-support/harness.js';

describe('GET /api/config', () => {
  let bare: Harness;
  let full: Harness;
  beforeAll(async () => {
    bare = await startHarness({ env: { DEMO_DATA: 'false' } });
    full = await startHarness({
      env: {
        GOOGLE_CLIENT_IDS: 'web-client.apps.googleusercontent.com,ios-client.apps.googleusercontent.com',
        APPLE_CLIENT_IDS: 'com.example.booking.web',
        TIKTOK_PIXEL_CODE: 'CPIXEL123',
        TIKTOK_ACCESS_TOKEN: 'secret-tiktok-token',
        TIKTOK_PURCHASE_EVENT: 'CompletePayment',
        GOOGLE_MAPS_API_KEY: 'AIzaServer_secret-key',
        GOOGLE_MAPS_BROWSER_KEY: 'AIzaBrowser_key-123',
      },
    });
  });
  afterAll(async () => {
    await bare?.stop();
    await full?.stop();
  });

  it('says nothing optional is configured on the embedded defaults', async () => {
    const res = await bare.http.get('/api/config');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      signIn: { google: null, apple: null },
      tiktokPixel: null,
      maps: null,
      demoSignIn: false,
    });
  });

  it('hands out the public ids and keys, and no secret', async () => {
    const res = await full.http.get('/api/config');
    expect(res.status).toBe(200);
    expect(res.body.signIn).toEqual({
      google: { clientId: 'web-client.apps.googleusercontent.com' },
      apple: { clientId: 'com.example.booking.web' },
    });
    expect(res.body.tiktokPixel).toEqual({ pixelCode: 'CPIXEL123', purchaseEventName: 'CompletePayment' });
    expect(res.body.maps).toEqual({ browserKey: 'AIzaBrowser_key-123' });
    expect(res.text).not.toContain('secret');
  });
});

describe('GET /api/me/notification-preferences', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('needs a signed-in caller', async () => {
    const res = await h.http.get('/api/me/notification-preferences');
    expect(res.status).toBe(401);
  });

  it('reads back what the caller chose, and only the caller', async () => {
    const before = await h.http.get('/api/me/notification-preferences').set(h.auth('customer-alice'));
    expect(before.body).toEqual({ userId: 'customer-alice', email: true, sms: true, phone: null });

    const put = await h.http
      .put('/api/me/notification-preferences')
      .set(h.auth('customer-alice'))
      .send({ email: true, sms: false, phone: '+33612345678' });
    expect(put.status).toBe(200);

    const after = await h.http
      .get('/api/me/notification-preferences')
      .set(h.auth('customer-alice'))
      .set('x-min-position', String(put.body.position));
    expect(after.body).toEqual({ userId: 'customer-alice', email: true, sms: false, phone: '+33612345678' });

    const bob = await h.http
      .get('/api/me/notification-preferences')
      .set(h.auth('customer-bob'))
      .set('x-min-position', String(put.body.position));
    expect(bob.body).toEqual({ userId: 'customer-bob', email: true, sms: true, phone: null });
  });
});
