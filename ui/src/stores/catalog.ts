/** The public catalog: filters (mirrored in the page's URL), results and one offering. */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import { parseMoney } from '../lib/money';
import { localDayStartIso, nextDate } from '../lib/time';
import type { OfferingDetail, OfferingKind, OfferingSummary, Page } from '../lib/types';

export type CatalogSort = 'title' | 'price' | '-price' | 'newest';

/** What the filter form holds: text as typed; prices in major units; dates as local days. */
export interface CatalogFilters {
  q: string;
  kind: '' | OfferingKind;
  category: string;
  /** e.g. "10" or "12.50", in `currency` (two decimals when no currency is chosen) */
  minPrice: string;
  maxPrice: string;
  currency: string;
  /** 'YYYY-MM-DD', the viewer's local days, both inclusive */
  availableFrom: string;
  availableTo: string;
  sort: CatalogSort;
  page: number;
}

export const PAGE_SIZE = 12;
const MAX_RANGE_DAYS = 62;

export function emptyFilters(): CatalogFilters {
  return {
    q: '',
    kind: '',
    category: '',
    minPrice: '',
    maxPrice: '',
    currency: '',
    availableFrom: '',
    availableTo: '',
    sort: 'title',
    page: 1,
  };
}

export interface QueryBuild {
  params: URLSearchParams;
  /** form field -> message, for the inputs that cannot be turned into a query */
  errors: Record<string, string>;
}

/** The API query for the filters: prices become integer minor units, days become instants. */
export function catalogApiQuery(filters: CatalogFilters, pageSize = PAGE_SIZE): QueryBuild {
  const params = new URLSearchParams();
  const errors: Record<string, string> = {};
  const q = filters.q.trim();
  if (q) params.set('q', q.slice(0, 100));
  if (filters.kind) params.set('kind', filters.kind);
  if (filters.category.trim()) params.set('category', filters.category.trim());
  if (filters.currency) params.set('currency', filters.currency);
  // Minor units depend on the currency; with none chosen the common two decimals apply.
  const priceCurrency = filters.currency || 'EUR';
  let min: number | null = null;
  let max: number | null = null;
  if (filters.minPrice.trim()) {
    const r = parseMoney(filters.minPrice, priceCurrency, { allowZero: true });
    if (r.ok) min = r.amount;
    else errors.minPrice = r.error;
  }
  if (filters.maxPrice.trim()) {
    const r = parseMoney(filters.maxPrice, priceCurrency, { allowZero: true });
    if (r.ok) max = r.amount;
    else errors.maxPrice = r.error;
  }
  if (min !== null && max !== null && max < min) errors.maxPrice = 'The maximum must not be below the minimum';
  if (min !== null) params.set('minPrice', String(min));
  if (max !== null) params.set('maxPrice', String(max));

  const dateRe = /^\d{4}-\d{2}-\d{2}$/;
  const from = filters.availableFrom;
  const to = filters.availableTo;
  if (from && !dateRe.test(from)) errors.availableFrom = 'Use a date like 2030-03-10';
  if (to && !dateRe.test(to)) errors.availableTo = 'Use a date like 2030-03-10';
  if (!errors.availableFrom && !errors.availableTo && (from || to)) {
    if (from && to && to < from) {
      errors.availableTo = 'The end date must not be before the start date';
    } else {
      const fromIso = from ? localDayStartIso(from) : null;
      // the end day is included: the range ends when the next day starts
      const toIso = to ? localDayStartIso(nextDate(to)) : null;
      const spanStart = fromIso ? Date.parse(fromIso) : Date.now();
      if (toIso && Date.parse(toIso) - spanStart > MAX_RANGE_DAYS * 86_400_000) {
        errors.availableTo = `Search at most ${MAX_RANGE_DAYS} days at a time`;
      } else {
        if (fromIso) params.set('availableFrom', fromIso);
        if (toIso) params.set('availableTo', toIso);
      }
    }
  }
  if (filters.sort && filters.sort !== 'title') params.set('sort', filters.sort);
  if (filters.page > 1) params.set('page', String(filters.page));
  params.set('pageSize', String(pageSize));
  return { params, errors };
}

const ROUTE_KEYS = [
  'q',
  'kind',
  'category',
  'minPrice',
  'maxPrice',
  'currency',
  'availableFrom',
  'availableTo',
  'sort',
  'page',
] as const;

/** The filters as the page's own URL query (as typed, so a shared link reads the same). */
export function filtersToRouteQuery(filters: CatalogFilters): Record<string, string> {
  const out: Record<string, string> = {};
  const empty = emptyFilters();
  for (const key of ROUTE_KEYS) {
    const value = filters[key];
    if (value !== empty[key] && value !== '') out[key] = String(value);
  }
  return out;
}

export function filtersFromRouteQuery(query: Record<string, unknown>): CatalogFilters {
  const f = emptyFilters();
  const str = (k: string) => {
    const v = query[k];
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? first : '';
  };
  f.q = str('q');
  const kind = str('kind');
  f.kind = kind === 'product' || kind === 'service' ? kind : '';
  f.category = str('category');
  f.minPrice = str('minPrice');
  f.maxPrice = str('maxPrice');
  f.currency = /^[A-Z]{3}$/.test(str('currency')) ? str('currency') : '';
  f.availableFrom = str('availableFrom');
  f.availableTo = str('availableTo');
  const sort = str('sort');
  f.sort = (['title', 'price', '-price', 'newest'] as const).find((s) => s === sort) ?? 'title';
  const page = Number.parseInt(str('page'), 10);
  f.page = Number.isFinite(page) && page > 0 ? page : 1;
  return f;
}

export const useCatalogStore = defineStore('catalog', () => {
  const filters = reactive<CatalogFilters>(emptyFilters());
  const items = ref<OfferingSummary[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  const fieldErrors = ref<Record<string, string>>({});
  const knownCategories = ref<string[]>([]);
  const searched = ref(false);
  let seq = 0;

  const offering = ref<OfferingDetail | null>(null);
  const offeringLoading = ref(false);
  const offeringError = ref<ApiError | null>(null);

  function setFilters(next: Partial<CatalogFilters>): void {
    Object.assign(filters, next);
  }

  function resetFilters(): void {
    Object.assign(filters, emptyFilters());
  }

  function rememberCategories(list: OfferingSummary[]): void {
    const set = new Set(knownCategories.value);
    for (const o of list) if (o.category) set.add(o.category);
    knownCategories.value = [...set].sort((a, b) => a.localeCompare(b));
  }

  async function loadCategories(): Promise<void> {
    if (knownCategories.value.length > 0) return;
    try {
      const page = await api.get<Page<OfferingSummary>>('/api/offerings', { query: { pageSize: 100 } });
      rememberCategories(page.items);
    } catch {
      // the category filter then offers what searches find
    }
  }

  async function search(): Promise<void> {
    const { params, errors } = catalogApiQuery(filters);
    fieldErrors.value = errors;
    if (Object.keys(errors).length > 0) return;
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const page = await api.get<Page<OfferingSummary>>('/api/offerings', { query: params });
      if (mine !== seq) return;
      items.value = page.items;
      total.value = page.total;
      rememberCategories(page.items);
    } catch (err) {
      if (mine !== seq) return;
      const e = toApiError(err);
      error.value = e;
      // the API's query field names are the form's field names
      fieldErrors.value = e.fieldErrors;
    } finally {
      if (mine === seq) {
        loading.value = false;
        searched.value = true;
      }
    }
  }

  async function loadOffering(id: string, range?: { from: string; to: string }): Promise<void> {
    offeringLoading.value = true;
    offeringError.value = null;
    try {
      offering.value = await api.get<OfferingDetail>(`/api/offerings/${encodeURIComponent(id)}`, {
        query: range ?? {},
      });
    } catch (err) {
      offeringError.value = toApiError(err);
      if (offering.value?.id !== id) offering.value = null;
    } finally {
      offeringLoading.value = false;
    }
  }

  return {
    filters,
    items,
    total,
    loading,
    error,
    fieldErrors,
    knownCategories,
    searched,
    offering,
    offeringLoading,
    offeringError,
    setFilters,
    resetFilters,
    search,
    loadCategories,
    loadOffering,
  };
});
