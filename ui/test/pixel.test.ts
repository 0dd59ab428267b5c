// @vitest-environment happy-dom
/**
 * The TikTok Pixel loads only with a pixel code and sends conversions under the event ids
 * the server forwards (`<bookingId>-<EventName>`, projections/src/conversions).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setScriptLoader } from '../src/lib/script-loader';
import { initPixel, pixelEventId, PIXEL_SDK_URL, resetPixel, trackConversion } from '../src/lib/tiktok-pixel';
import { trackCheckoutStarted, trackPaid } from '../src/lib/conversions';
import type { Booking } from '../src/lib/types';

let loaded: string[];
beforeEach(() => {
  loaded = [];
  sessionStorage.clear();
  resetPixel();
  setScriptLoader(async (src) => {
    loaded.push(src);
  });
});
afterEach(() => setScriptLoader(null));

const booking: Booking = {
  id: 'bk-123',
  customerId: 'customer-alice',
  providerId: 'provider-lumen-yoga',
  offeringId: 'off-9',
  offeringTitle: 'Sunrise Vinyasa Flow',
  kind: 'service',
  quantity: 2,
  slot: { start: '2030-01-01T07:00:00Z', end: '2030-01-01T08:00:00Z' },
  total: { amount: 3600, currency: 'EUR' },
  status: 'CONFIRMED',
  holdExpiresAt: '2030-01-01T00:00:00Z',
  attribution: {},
  placedAt: '2029-12-01T00:00:00Z',
  updatedAt: '2029-12-01T00:00:00Z',
  timeline: [],
  payment: null,
};

/** what the page has queued for the SDK: [method, ...args] */
const queued = () => [...(window.ttq as unknown as unknown[][])];

describe('TikTok Pixel', () => {
  it('loads nothing and tracks nothing without a pixel code', async () => {
    expect(await initPixel(null)).toBe(false);
    expect(
      trackConversion('Purchase', 'bk-1', {
        offeringId: 'o',
        offeringTitle: 't',
        quantity: 1,
        value: 1,
        currency: 'EUR',
      }),
    ).toBeNull();
    expect(loaded).toEqual([]);
    expect(window.ttq).toBeUndefined();
  });

  it('loads the SDK for the configured pixel and counts the landing page', async () => {
    expect(await initPixel('CPIXEL123')).toBe(true);
    expect(loaded).toEqual([`${PIXEL_SDK_URL}?sdkid=CPIXEL123&lib=ttq`]);
    expect(window.ttq!._i.CPIXEL123).toBeDefined();
    expect(queued()).toEqual([['page']]);
  });

  it('fires InitiateCheckout, Purchase and Schedule with the server’s event ids, once each', async () => {
    await initPixel('CPIXEL123');
    trackCheckoutStarted(booking);
    trackPaid(booking, 'CompletePayment');
    trackPaid(booking, 'CompletePayment'); // a reload of the confirmation: not again
    const tracks = queued().filter((q) => q[0] === 'track');
    expect(tracks.map((t) => [t[1], (t[3] as { event_id: string }).event_id])).toEqual([
      ['InitiateCheckout', 'bk-123-InitiateCheckout'],
      ['CompletePayment', 'bk-123-CompletePayment'],
      ['Schedule', 'bk-123-Schedule'],
    ]);
    expect(tracks[1]![2]).toMatchObject({ value: 36, currency: 'EUR', order_id: 'bk-123' });
    expect(pixelEventId('bk-123', 'Purchase')).toBe('bk-123-Purchase');
  });

  it('sends no Schedule for a product', async () => {
    await initPixel('CPIXEL123');
    trackPaid({ ...booking, id: 'bk-p', kind: 'product', slot: null }, 'Purchase');
    expect(
      queued()
        .filter((q) => q[0] === 'track')
        .map((t) => t[1]),
    ).toEqual(['Purchase']);
  });
});
