// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { configureClient, forgetPosition } from '../src/lib/api';
import {
  catalogApiQuery,
  emptyFilters,
  filtersFromRouteQuery,
  filtersToRouteQuery,
  useCatalogStore,
  type CatalogFilters,
} from '../src/stores/catalog';

const filters = (over: Partial<CatalogFilters>): CatalogFilters => ({ ...emptyFilters(), ...over });
const localMidnight = (y: number, m: number, d: number) => new Date(y, m - 1, d).toISOString();

describe('catalog filters -> API query string', () => {
  it('sends nothing but the page size for empty filters', () => {
    const { params, errors } = catalogApiQuery(emptyFilters());
    expect(params.toString()).toBe('pageSize=12');
    expect(errors).toEqual({});
  });

  it('maps text, kind, category, currency, sort and page', () => {
    const { params } = catalogApiQuery(
      filters({ q: '  yoga paris ', kind: 'service', category: 'yoga', currency: 'EUR', sort: '-price', page: 3 }),
    );
    expect(params.toString()).toBe(
      'q=yoga+paris&kind=service&category=yoga&currency=EUR&sort=-price&page=3&pageSize=12',
    );
  });

  it('turns the price range into integer minor units of the chosen currency', () => {
    expect(catalogApiQuery(filters({ currency: 'EUR', minPrice: '10', maxPrice: '64.99' })).params.toString()).toBe(
      'currency=EUR&minPrice=1000&maxPrice=6499&pageSize=12',
    );
    expect(catalogApiQuery(filters({ currency: 'JPY', minPrice: '500' })).params.get('minPrice')).toBe('500');
    // no currency chosen: the usual two decimals; 0.29 is 29, not 28.999…
    expect(catalogApiQuery(filters({ minPrice: '0.29', maxPrice: '1,234.50' })).params.toString()).toBe(
      'minPrice=29&maxPrice=123450&pageSize=12',
    );
    expect(catalogApiQuery(filters({ minPrice: '0' })).params.get('minPrice')).toBe('0');
  });

  it('reports bad prices per field instead of sending them', () => {
    const bad = catalogApiQuery(filters({ minPrice: 'ten', maxPrice: '5.555' }));
    expect(bad.errors.minPrice).toMatch(/number/);
    expect(bad.errors.maxPrice).toMatch(/decimals/);
    expect(bad.params.has('minPrice')).toBe(false);
    const inverted = catalogApiQuery(filters({ minPrice: '50', maxPrice: '20' }));
    expect(inverted.errors.maxPrice).toMatch(/below the minimum/);
  });

  it('sends the date range as instants: from the first local day’s start to the end of the last', () => {
    const { params, errors } = catalogApiQuery(filters({ availableFrom: '2030-03-09', availableTo: '2030-03-10' }));
    expect(errors).toEqual({});
    expect(params.get('availableFrom')).toBe(localMidnight(2030, 3, 9));
    expect(params.get('availableTo')).toBe(localMidnight(2030, 3, 11));
  });

  it('checks the date range: order and the API’s 62-day limit', () => {
    expect(
      catalogApiQuery(filters({ availableFrom: '2030-03-10', availableTo: '2030-03-01' })).errors.availableTo,
    ).toMatch(/before the start/);
    expect(
      catalogApiQuery(filters({ availableFrom: '2030-03-01', availableTo: '2030-06-01' })).errors.availableTo,
    ).toMatch(/62 days/);
    expect(catalogApiQuery(filters({ availableFrom: '10/03/2030' })).errors.availableFrom).toBeDefined();
  });

  it('round-trips the filters through the page URL', () => {
    const f = filters({
      q: 'bike',
      kind: 'product',
      minPrice: '5',
      currency: 'USD',
      availableFrom: '2030-03-09',
      sort: 'price',
      page: 2,
    });
    const route = filtersToRouteQuery(f);
    expect(route).toEqual({
      q: 'bike',
      kind: 'product',
      minPrice: '5',
      currency: 'USD',
      availableFrom: '2030-03-09',
      sort: 'price',
      page: '2',
    });
    expect(filtersFromRouteQuery(route)).toEqual(f);
    expect(filtersToRouteQuery(emptyFilters())).toEqual({});
  });

  it('ignores junk in the page URL', () => {
    expect(
      filtersFromRouteQuery({ kind: 'boat', currency: 'euro', sort: 'random', page: '-4', q: ['first', 'second'] }),
    ).toEqual(filters({ q: 'first' }));
  });
});

describe('useCatalogStore', () => {
  const urls: string[] = [];
  let answer: () => Response;

  beforeEach(() => {
    setActivePinia(createPinia());
    forgetPosition();
    urls.length = 0;
    configureClient({
      fetch: (async (url: string) => {
        urls.push(url);
        return answer();
      }) as unknown as typeof fetch,
    });
  });
  afterEach(() => configureClient({ fetch: (...args) => globalThis.fetch(...args) }));

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
    });
  const offering = (id: string, category: string) => ({
    id,
    category,
    kind: 'product',
    title: id,
    price: { amount: 100, currency: 'EUR' },
  });

  it('searches with the filters and remembers the categories it sees', async () => {
    answer = () => json({ items: [offering('a', 'yoga'), offering('b', 'ceramics')], total: 2, page: 1, pageSize: 12 });
    const store = useCatalogStore();
    store.setFilters({ q: 'mug', currency: 'GBP', maxPrice: '40' });
    await store.search();
    expect(urls).toEqual(['/api/offerings?q=mug&currency=GBP&maxPrice=4000&pageSize=12']);
    expect(store.items.map((o) => o.id)).toEqual(['a', 'b']);
    expect(store.total).toBe(2);
    expect(store.knownCategories).toEqual(['ceramics', 'yoga']);
    expect(store.loading).toBe(false);
  });

  it('does not call the API while a filter is invalid', async () => {
    answer = () => json({ items: [], total: 0, page: 1, pageSize: 12 });
    const store = useCatalogStore();
    store.setFilters({ minPrice: 'abc' });
    await store.search();
    expect(urls).toEqual([]);
    expect(store.fieldErrors.minPrice).toBeDefined();
  });

  it('shows the API’s query errors on the matching filter fields', async () => {
    answer = () =>
      json(
        {
          title: 'Invalid request',
          code: 'validation',
          errors: [{ field: 'availableTo', message: 'a range spans at most 62 days' }],
        },
        400,
      );
    const store = useCatalogStore();
    await store.search();
    expect(store.error?.code).toBe('validation');
    expect(store.fieldErrors).toEqual({ availableTo: 'A range spans at most 62 days' });
  });
});
