/**
 * Marketing attribution: the utm_* parameters and TikTok's ttclid on the URL a visitor
 * lands on are kept in sessionStorage for the tab's session and sent with the booking.
 * A later landing URL that carries any of them replaces the earlier ones (last touch).
 */
import type { Attribution } from './types';

export const ATTRIBUTION_KEY = 'booking.attribution';

const PARAMS: readonly [param: string, field: keyof Attribution, maxLength: number][] = [
  ['utm_source', 'utmSource', 200],
  ['utm_medium', 'utmMedium', 200],
  ['utm_campaign', 'utmCampaign', 200],
  ['utm_term', 'utmTerm', 200],
  ['utm_content', 'utmContent', 200],
  ['ttclid', 'ttclid', 500],
];

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function defaultStorage(): StorageLike | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

/** The attribution on a query string, or null when it carries none. */
export function attributionFromQuery(search: string | URLSearchParams): Attribution | null {
  const params =
    typeof search === 'string' ? new URLSearchParams(search.startsWith('?') ? search.slice(1) : search) : search;
  const out: Attribution = {};
  for (const [param, field, max] of PARAMS) {
    const value = params.get(param)?.trim();
    if (value) out[field] = value.slice(0, max);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Stores the landing URL's attribution, if it has any; returns what is stored now. */
export function captureAttribution(
  search: string | URLSearchParams,
  storage: StorageLike | null = defaultStorage(),
): Attribution | null {
  const found = attributionFromQuery(search);
  if (found && storage) {
    try {
      storage.setItem(ATTRIBUTION_KEY, JSON.stringify(found));
    } catch {
      // quota or privacy mode: attribution is best effort
    }
  }
  return found ?? readAttribution(storage);
}

export function readAttribution(storage: StorageLike | null = defaultStorage()): Attribution | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(ATTRIBUTION_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object') return null;
    const out: Attribution = {};
    for (const [, field, max] of PARAMS) {
      const v = (parsed as Record<string, unknown>)[field];
      if (typeof v === 'string' && v.trim()) out[field] = v.trim().slice(0, max);
    }
    return Object.keys(out).length > 0 ? out : null;
  } catch {
    return null;
  }
}

export function clearAttribution(storage: StorageLike | null = defaultStorage()): void {
  storage?.removeItem(ATTRIBUTION_KEY);
}

/** The query without the attribution parameters, to tidy the address bar after capture. */
export function withoutAttributionParams(search: string): string {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  for (const [param] of PARAMS) params.delete(param);
  const text = params.toString();
  return text ? `?${text}` : '';
}
