// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import {
  ATTRIBUTION_KEY,
  attributionFromQuery,
  captureAttribution,
  clearAttribution,
  readAttribution,
  withoutAttributionParams,
} from '../src/lib/attribution';
import { configureClient, forgetPosition } from '../src/lib/api';
import { useBookingsStore } from '../src/stores/bookings';

describe('attribution capture', () => {
  beforeEach(() => sessionStorage.clear());

  it('reads utm_* and ttclid from a landing URL’s query', () => {
    expect(
      attributionFromQuery(
        '?utm_source=tiktok&utm_medium=paid_social&utm_campaign=spring-flow&utm_term=yoga&utm_content=video-1&ttclid=E.C.P.abc&other=1',
      ),
    ).toEqual({
      utmSource: 'tiktok',
      utmMedium: 'paid_social',
      utmCampaign: 'spring-flow',
      utmTerm: 'yoga',
      utmContent: 'video-1',
      ttclid: 'E.C.P.abc',
    });
    expect(attributionFromQuery('q=yoga')).toBeNull();
    expect(attributionFromQuery('?utm_source=%20%20')).toBeNull();
  });

  it('keeps it in sessionStorage, and a later landing without any does not erase it', () => {
    captureAttribution('?utm_source=tiktok&ttclid=abc');
    expect(JSON.parse(sessionStorage.getItem(ATTRIBUTION_KEY)!)).toEqual({ utmSource: 'tiktok', ttclid: 'abc' });
    expect(captureAttribution('?q=yoga')).toEqual({ utmSource: 'tiktok', ttclid: 'abc' });
    expect(readAttribution()).toEqual({ utmSource: 'tiktok', ttclid: 'abc' });
  });

  it('lets the last touch win', () => {
    captureAttribution('?utm_source=tiktok&utm_campaign=a');
    captureAttribution('?utm_source=newsletter');
    expect(readAttribution()).toEqual({ utmSource: 'newsletter' });
  });

  it('bounds lengths to what the API accepts and ignores junk in storage', () => {
    captureAttribution(`?utm_source=${'s'.repeat(300)}&ttclid=${'t'.repeat(700)}`);
    const a = readAttribution()!;
    expect(a.utmSource).toHaveLength(200);
    expect(a.ttclid).toHaveLength(500);
    sessionStorage.setItem(ATTRIBUTION_KEY, '{broken');
    expect(readAttribution()).toBeNull();
    sessionStorage.setItem(ATTRIBUTION_KEY, JSON.stringify({ utmSource: 5, evil: 'x', utmMedium: 'cpc' }));
    expect(readAttribution()).toEqual({ utmMedium: 'cpc' });
    clearAttribution();
    expect(readAttribution()).toBeNull();
  });

  it('works without storage', () => {
    expect(captureAttribution('?utm_source=x', null)).toEqual({ utmSource: 'x' });
    expect(readAttribution(null)).toBeNull();
  });

  it('can tidy the parameters off the address', () => {
    expect(withoutAttributionParams('?utm_source=x&q=yoga&ttclid=1')).toBe('?q=yoga');
    expect(withoutAttributionParams('?utm_source=x')).toBe('');
  });
});

describe('the booking carries the attribution', () => {
  const bodies: unknown[] = [];
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
    forgetPosition();
    bodies.length = 0;
    configureClient({
      fetch: (async (_url: string, init: RequestInit) => {
        bodies.push(JSON.parse(String(init.body)));
        return new Response(
          JSON.stringify({
            bookingId: 'b1',
            status: 'PENDING',
            holdExpiresAt: '2030-01-01T00:15:00Z',
            total: { amount: 1800, currency: 'EUR' },
            slot: null,
            position: '5',
            revision: '0',
          }),
          { status: 201, headers: { 'content-type': 'application/json' } },
        );
      }) as unknown as typeof fetch,
    });
  });
  afterEach(() => configureClient({ fetch: (...args) => globalThis.fetch(...args) }));

  it('sends the captured attribution with POST /api/bookings', async () => {
    captureAttribution('?utm_source=tiktok&utm_campaign=spring-flow&ttclid=CLICK');
    await useBookingsStore().place({ offeringId: 'o1', slotStart: '2030-01-01T08:00:00.000Z', quantity: 1 });
    expect(bodies[0]).toEqual({
      offeringId: 'o1',
      slotStart: '2030-01-01T08:00:00.000Z',
      quantity: 1,
      attribution: { utmSource: 'tiktok', utmCampaign: 'spring-flow', ttclid: 'CLICK' },
    });
  });

  it('sends no attribution when the visit had none', async () => {
    await useBookingsStore().place({ offeringId: 'o1', quantity: 2 });
    expect(bodies[0]).toEqual({ offeringId: 'o1', quantity: 2 });
  });
});
