/**
 * The TikTok Pixel, loaded only when the deployment configures a pixel code. Conversion
 * events carry the same event_id the server sends through the Events API
 * (`<bookingId>-<EventName>`, see projections/src/conversions), so TikTok counts each
 * conversion once whichever side reports it first.
 *
 * The SDK's contract: `window.ttq` is an array-backed queue whose methods push
 * `[method, ...args]` until events.js loads and drains it; `ttq._i[code]`, `_t[code]` and
 * `_o[code]` name the pixel, its load time and its options.
 */
import { loadScript } from './script-loader';

type Method = (...args: unknown[]) => void;

interface TtqQueue extends Array<unknown[]> {
  methods: string[];
  setAndDefer: (target: Record<string, unknown>, method: string) => void;
  _i: Record<string, unknown[] & { _u?: string }>;
  _t: Record<string, number>;
  _o: Record<string, Record<string, unknown>>;
  [method: string]: unknown;
}

declare global {
  interface Window {
    ttq?: TtqQueue & Partial<Record<'page' | 'track' | 'identify', Method>>;
    TiktokAnalyticsObject?: string;
  }
}

export const PIXEL_SDK_URL = 'https://analytics.tiktok.com/i18n/pixel/events.js';
const FIRED_KEY = 'booking.pixel.fired';

const METHODS = [
  'page',
  'track',
  'identify',
  'instances',
  'debug',
  'on',
  'off',
  'once',
  'ready',
  'alias',
  'group',
  'enableCookie',
  'disableCookie',
  'holdConsent',
  'revokeConsent',
  'grantConsent',
];

let activeCode: string | null = null;

/** The event_id TikTok deduplicates browser and server events on. */
export function pixelEventId(bookingId: string, eventName: string): string {
  return `${bookingId}-${eventName}`;
}

function queue(): TtqQueue {
  const existing = window.ttq;
  if (existing) return existing;
  const q = [] as unknown as TtqQueue;
  q.methods = METHODS;
  q.setAndDefer = (target, method) => {
    target[method] = (...args: unknown[]) => {
      (target as unknown as unknown[][]).push([method, ...args]);
    };
  };
  for (const m of METHODS) q.setAndDefer(q as unknown as Record<string, unknown>, m);
  q._i = {};
  q._t = {};
  q._o = {};
  window.TiktokAnalyticsObject = 'ttq';
  window.ttq = q;
  return q;
}

/** Sets the pixel up and loads its SDK; nothing happens without a pixel code. */
export async function initPixel(pixelCode: string | null | undefined): Promise<boolean> {
  if (!pixelCode || typeof window === 'undefined') return false;
  if (activeCode === pixelCode) return true;
  const q = queue();
  const instance = [] as unknown as unknown[] & { _u?: string };
  instance._u = PIXEL_SDK_URL;
  q._i[pixelCode] = instance;
  q._t[pixelCode] = Date.now();
  q._o[pixelCode] = {};
  activeCode = pixelCode;
  (q.page as Method)();
  await loadScript(`${PIXEL_SDK_URL}?sdkid=${encodeURIComponent(pixelCode)}&lib=ttq`);
  return true;
}

export function pixelActive(): boolean {
  return activeCode !== null;
}

/** For tests: forget the pixel and its queue. */
export function resetPixel(): void {
  activeCode = null;
  if (typeof window !== 'undefined') delete window.ttq;
}

export function trackPage(): void {
  if (activeCode) (window.ttq?.page as Method | undefined)?.();
}

function firedIds(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(FIRED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

export interface ConversionDetails {
  offeringId: string;
  offeringTitle: string;
  quantity: number;
  /** in major units, as TikTok expects */
  value: number;
  currency: string;
}

/**
 * Fires a conversion for a booking once per tab session (a reload of the confirmation page
 * does not send it again; TikTok would drop the duplicate id anyway).
 */
export function trackConversion(eventName: string, bookingId: string, details: ConversionDetails): string | null {
  if (!activeCode || !window.ttq) return null;
  const eventId = pixelEventId(bookingId, eventName);
  const fired = firedIds();
  if (fired.has(eventId)) return eventId;
  (window.ttq.track as Method)(
    eventName,
    {
      contents: [
        {
          content_id: details.offeringId,
          content_type: 'product',
          content_name: details.offeringTitle,
          quantity: details.quantity,
        },
      ],
      content_type: 'product',
      value: details.value,
      currency: details.currency,
      order_id: bookingId,
    },
    { event_id: eventId },
  );
  fired.add(eventId);
  try {
    sessionStorage.setItem(FIRED_KEY, JSON.stringify([...fired].slice(-200)));
  } catch {
    // not remembered: at worst TikTok drops a duplicate id
  }
  return eventId;
}
