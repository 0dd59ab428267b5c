/**
 * Locations (issue #9): the catalog's distance search over HTTP, the Google geocoder
 * adapter against a local server speaking the documented Geocoding / Places Autocomplete
 * JSON, and the /api/geo endpoints with and without a key.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeocoderError } from '@booking/shared-kernel';
import { GoogleGeocoder } from '@booking/shared-kernel/adapters';
import { settle, startHarness, type Harness } from '../test-support/harness.js';
import { expectFieldError, expectProblem } from '../test-support/problems.js';

const PROVIDER = 'provider-lumen-yoga';
const ADMIN = 'admin-ada';
const CUSTOMER = 'customer-alice';
const API_KEY = 'test-maps-key-123';

const PARIS = { lat: 48.8566, lng: 2.3522 };
const LONDON = { lat: 51.5074, lng: -0.1278 };
const NEW_YORK = { lat: 40.7128, lng: -74.006 };
const VERSAILLES = { lat: 48.8049, lng: 2.1204 };

// ----- a stand-in for maps.googleapis.com, answering with the documented JSON shapes ------------

const component = (long: string, short: string, types: string[]) => ({ long_name: long, short_name: short, types });

const DOWNING_STREET = {
  address_components: [
    component('10', '10', ['street_number']),
    component('Downing Street', 'Downing St', ['route']),
    component('London', 'London', ['postal_town']),
    component('Greater London', 'Greater London', ['administrative_area_level_2', 'political']),
    component('United Kingdom', 'GB', ['country', 'political']),
    component('SW1A 2AA', 'SW1A 2AA', ['postal_code']),
  ],
  formatted_address: '10 Downing St, London SW1A 2AA, UK',
  geometry: {
    location: { lat: 51.5033635, lng: -0.1276248 },
    location_type: 'ROOFTOP',
    viewport: { northeast: { lat: 51.5047, lng: -0.1262 }, southwest: { lat: 51.502, lng: -0.1289 } },
  },
  place_id: 'ChIJRxzRQcUEdkgRGVaKyzmkgvg',
  plus_code: { compound_code: 'GV3F+8W London, UK', global_code: '9C3XGV3F+8W' },
  types: ['street_address'],
};

const RIVOLI = {
  address_components: [
    component('1', '1', ['street_number']),
    component('Rue de Rivoli', 'Rue de Rivoli', ['route']),
    component('Paris', 'Paris', ['locality', 'political']),
    component('France', 'FR', ['country', 'political']),
  ],
  formatted_address: '1 Rue de Rivoli, 75001 Paris, France',
  geometry: { location: { lat: 48.8556, lng: 2.3602 }, location_type: 'ROOFTOP' },
  place_id: 'ChIJD7fiBh9u5kcRYJSMaMOCCwQ',
  types: ['street_address'],
};

/** a result without coordinates: the adapter drops it */
const NO_GEOMETRY = {
  formatted_address: 'Somewhere',
  place_id: 'ChIJbroken',
  address_components: [],
  types: ['locality'],
};

const EIFFEL_PREDICTION = {
  description: 'Eiffel Tower, Avenue Anatole France, Paris, France',
  matched_substrings: [{ length: 4, offset: 0 }],
  place_id: 'ChIJLU7jZClu5kcR4PcOOO6p3I0',
  reference: 'ChIJLU7jZClu5kcR4PcOOO6p3I0',
  structured_formatting: {
    main_text: 'Eiffel Tower',
    main_text_matched_substrings: [{ length: 4, offset: 0 }],
    secondary_text: 'Avenue Anatole France, Paris, France',
  },
  terms: [
    { offset: 0, value: 'Eiffel Tower' },
    { offset: 14, value: 'Avenue Anatole France' },
  ],
  types: ['tourist_attraction', 'point_of_interest', 'establishment'],
};

/** what the fake answers for a query value (address, input, place_id or latlng) */
function googleAnswer(path: string, q: URLSearchParams): { status?: number; body: unknown } | 'hang' {
  if (q.get('key') !== API_KEY)
    return { body: { error_message: 'The provided API key is invalid.', results: [], status: 'REQUEST_DENIED' } };
  const value = q.get('address') ?? q.get('input') ?? q.get('place_id') ?? q.get('latlng') ?? '';
  const list = path.endsWith('/autocomplete/json') ? 'predictions' : 'results';
  switch (value) {
    case 'nowhere at all':
      return { body: { [list]: [], status: 'ZERO_RESULTS' } };
    case 'denied':
      return {
        body: {
          error_message: 'This API project is not authorized to use this API.',
          [list]: [],
          status: 'REQUEST_DENIED',
        },
      };
    case 'quota':
      return {
        body: {
          error_message: 'You have exceeded your rate-limit for this API.',
          [list]: [],
          status: 'OVER_QUERY_LIMIT',
        },
      };
    case 'invalid':
      return { body: { error_message: 'Invalid request.', [list]: [], status: 'INVALID_REQUEST' } };
    case 'unknown':
      return { body: { [list]: [], status: 'UNKNOWN_ERROR' } };
    case 'crash':
      return { status: 502, body: '<html>Bad gateway</html>' };
    case 'slow':
      return 'hang';
  }
  if (path === '/maps/api/place/autocomplete/json')
    return { body: { predictions: [EIFFEL_PREDICTION, { description: 'no id' }], status: 'OK' } };
  if (path !== '/maps/api/geocode/json') return { status: 404, body: 'not found' };
  if (q.has('latlng'))
    return {
      body: { plus_code: { global_code: '9C3XGV3F+8W' }, results: [DOWNING_STREET, NO_GEOMETRY], status: 'OK' },
    };
  if (q.get('place_id') === RIVOLI.place_id || q.get('address') === '1 rue de rivoli')
    return { body: { results: [RIVOLI], status: 'OK' } };
  return { body: { results: [DOWNING_STREET, NO_GEOMETRY], status: 'OK' } };
}

interface FakeGoogle {
  url: string;
  requests: { path: string; query: Record<string, string> }[];
  close(): Promise<void>;
}

async function startFakeGoogle(): Promise<FakeGoogle> {
  const requests: FakeGoogle['requests'] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const answer = googleAnswer(url.pathname, url.searchParams);
    if (answer === 'hang') {
      hanging.add(res);
      return;
    }
    const json = typeof answer.body !== 'string';
    res.writeHead(answer.status ?? 200, { 'content-type': json ? 'application/json; charset=UTF-8' : 'text/html' });
    res.end(json ? JSON.stringify(answer.body) : answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ----- distance search ------------------------------------------------------------------------

describe('catalog search by distance', () => {
  let h: Harness;
  const id: Record<string, string> = {};

  async function create(
    key: string,
    title: string,
    location: Record<string, unknown> | null,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const res = await h.http
      .post('/api/offerings')
      .set(h.auth(PROVIDER))
      .send({
        kind: 'product',
        title,
        category: 'geo-cities',
        price: { amount: 1000, currency: 'EUR' },
        stock: 5,
        publish: true,
        ...(location ? { location } : {}),
        ...extra,
      });
    expect(res.status, res.text).toBe(201);
    id[key] = res.body.offeringId;
  }

  const search = (query: string) => h.http.get(`/api/offerings?category=geo-cities&${query}`);
  const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title);
  const distances = (res: { body: { items: { distanceKm: number }[] } }) => res.body.items.map((i) => i.distanceKm);

  beforeAll(async () => {
    h = await startHarness();
    await create(
      'paris',
      'Paris studio',
      { address: '1 rue de Rivoli', city: 'Paris', country: 'FR', ...PARIS, placeId: RIVOLI.place_id },
      { price: { amount: 3000, currency: 'EUR' } },
    );
    await create(
      'london',
      'London loft',
      { address: '10 Downing St', city: 'London', country: 'GB', ...LONDON },
      { price: { amount: 1000, currency: 'EUR' } },
    );
    await create(
      'newYork',
      'New York deli',
      { address: '1 Wall St', city: 'New York', country: 'US', ...NEW_YORK },
      { price: { amount: 2000, currency: 'EUR' } },
    );
    await create('versailles', 'Versailles garden', {
      address: "Place d'Armes",
      city: 'Versailles',
      country: 'FR',
      ...VERSAILLES,
    });
    await create('noCoords', 'Address only', { address: 'somewhere without coordinates' });
    await create('noLocation', 'Online course', null);
    // either side of the antimeridian, 22 km apart
    await create('fijiEast', 'Taveuni east', { address: 'east', lat: 0, lng: -179.9 }, { category: 'geo-pacific' });
    await settle(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('orders every offering with coordinates by distance, with distanceKm (haversine)', async () => {
    const res = await search(`near=${PARIS.lat},${PARIS.lng}`);
    expect(res.status, res.text).toBe(200);
    expect(titles(res)).toEqual(['Paris studio', 'Versailles garden', 'London loft', 'New York deli']);
    expect(res.body.total).toBe(4);
    const [paris, versailles, london, newYork] = distances(res) as [number, number, number, number];
    expect(paris).toBe(0);
    expect(versailles).toBeCloseTo(17.9, 0);
    // great-circle distances: Paris-London about 344 km, Paris-New York about 5837 km
    expect(london).toBeGreaterThan(342);
    expect(london).toBeLessThan(345);
    expect(newYork).toBeGreaterThan(5830);
    expect(newYork).toBeLessThan(5845);
    // offerings without coordinates are not in a distance search
    expect(titles(res)).not.toContain('Address only');
  });

  it('keeps only offerings within radiusKm', async () => {
    const r500 = await search(`near=${PARIS.lat},${PARIS.lng}&radiusKm=500`);
    expect(titles(r500)).toEqual(['Paris studio', 'Versailles garden', 'London loft']);
    expect(r500.body.total).toBe(3);

    const r20 = await search(`near=${PARIS.lat},${PARIS.lng}&radiusKm=20`);
    expect(titles(r20)).toEqual(['Paris studio', 'Versailles garden']);

    const r1 = await search(`near=${LONDON.lat},${LONDON.lng}&radiusKm=0.5`);
    expect(titles(r1)).toEqual(['London loft']);
    expect(distances(r1)).toEqual([0]);

    // from New York: London (about 5570 km) is in 5600 km, Paris (about 5837 km) is not
    const ny = await search(`near=${NEW_YORK.lat},${NEW_YORK.lng}&radiusKm=5600`);
    expect(titles(ny)).toEqual(['New York deli', 'London loft']);
    expect(distances(ny)[1]).toBeGreaterThan(5565);
    expect(distances(ny)[1]).toBeLessThan(5575);

    const whole = await search(`near=${NEW_YORK.lat},${NEW_YORK.lng}&radiusKm=20000`);
    expect(titles(whole)).toEqual(['New York deli', 'London loft', 'Versailles garden', 'Paris studio']);
  });

  it('finds offerings across the antimeridian', async () => {
    const res = await h.http.get('/api/offerings?category=geo-pacific&near=0,179.9&radiusKm=30');
    expect(titles(res)).toEqual(['Taveuni east']);
    expect(distances(res)[0]).toBeCloseTo(22.24, 1);
  });

  it('pages the distance order, combines with other filters and honours an explicit sort', async () => {
    const page2 = await search(`near=${PARIS.lat},${PARIS.lng}&pageSize=2&page=2`);
    expect(titles(page2)).toEqual(['London loft', 'New York deli']);
    expect(page2.body).toMatchObject({ total: 4, page: 2, pageSize: 2 });

    const text = await search(`near=${PARIS.lat},${PARIS.lng}&q=london`);
    expect(titles(text)).toEqual(['London loft']);

    const byPrice = await search(`near=${PARIS.lat},${PARIS.lng}&radiusKm=6000&sort=-price`);
    expect(titles(byPrice)).toEqual(['Paris studio', 'New York deli', 'London loft', 'Versailles garden']);
    expect(byPrice.body.items.every((i: { distanceKm?: number }) => typeof i.distanceKm === 'number')).toBe(true);

    const explicit = await search(`near=${PARIS.lat},${PARIS.lng}&sort=distance&radiusKm=400`);
    expect(titles(explicit)).toEqual(['Paris studio', 'Versailles garden', 'London loft']);

    // without near: no distanceKm, offerings without coordinates included
    const plain = await search('sort=title');
    expect(titles(plain)).toContain('Address only');
    expect(plain.body.items.some((i: Record<string, unknown>) => 'distanceKm' in i)).toBe(false);
  });

  it.each([
    ['near=abc', 'near'],
    ['near=48.8', 'near'],
    ['near=48.8,', 'near'],
    ['near=91,0', 'near'],
    ['near=0,181', 'near'],
    ['near=1e1,2', 'near'],
    ['near=48.8566,2.3522&radiusKm=0', 'radiusKm'],
    ['near=48.8566,2.3522&radiusKm=-5', 'radiusKm'],
    ['near=48.8566,2.3522&radiusKm=20001', 'radiusKm'],
    ['near=48.8566,2.3522&radiusKm=abc', 'radiusKm'],
    ['near=48.8566,2.3522&radiusKm=', 'radiusKm'],
    ['near=48.8566,2.3522&radiusKm=1&radiusKm=2', 'radiusKm'],
    ['radiusKm=10', 'near'],
    ['sort=distance', 'near'],
  ])('%s -> 400 naming %s', async (query, field) => {
    expectFieldError(await h.http.get(`/api/offerings?${query}`), field);
  });

  it('the place id is kept on the offering; a malformed one is refused', async () => {
    const detail = await h.http.get(`/api/offerings/${id.paris}`);
    expect(detail.body.location).toEqual({
      address: '1 rue de Rivoli',
      city: 'Paris',
      country: 'FR',
      ...PARIS,
      placeId: RIVOLI.place_id,
    });
    const bad = await h.http
      .post('/api/offerings')
      .set(h.auth(PROVIDER))
      .send({
        kind: 'product',
        title: 'x',
        category: 'geo-bad',
        price: { amount: 1, currency: 'EUR' },
        stock: 1,
        location: { address: 'x', placeId: 'not a place id!' },
      });
    expectFieldError(bad, 'location.placeId');
  });
});

// ----- the Google adapter ---------------------------------------------------------------------

describe('GoogleGeocoder against a local server', () => {
  let google: FakeGoogle;
  let geocoder: GoogleGeocoder;

  beforeAll(async () => {
    google = await startFakeGoogle();
    geocoder = new GoogleGeocoder({ apiKey: API_KEY, apiUrl: `${google.url}/`, timeoutMs: 300 });
  });
  afterAll(async () => {
    await google.close();
  });

  async function failure(call: Promise<unknown>): Promise<GeocoderError> {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GeocoderError);
    return err as GeocoderError;
  }

  it('geocode: OK results become places (city, country, coordinates, place id); unusable results are dropped', async () => {
    const places = await geocoder.geocode('10 Downing Street, London');
    expect(places).toEqual([
      {
        placeId: 'ChIJRxzRQcUEdkgRGVaKyzmkgvg',
        address: '10 Downing St, London SW1A 2AA, UK',
        city: 'London',
        country: 'GB',
        lat: 51.5033635,
        lng: -0.1276248,
      },
    ]);
    const request = google.requests.at(-1)!;
    expect(request).toEqual({
      path: '/maps/api/geocode/json',
      query: { address: '10 Downing Street, London', key: API_KEY },
    });
  });

  it('geocodePlace and reverse call the Geocoding API with place_id and latlng', async () => {
    expect(await geocoder.geocodePlace(RIVOLI.place_id)).toEqual([
      {
        placeId: RIVOLI.place_id,
        address: '1 Rue de Rivoli, 75001 Paris, France',
        city: 'Paris',
        country: 'FR',
        lat: 48.8556,
        lng: 2.3602,
      },
    ]);
    expect(google.requests.at(-1)!.query).toEqual({ place_id: RIVOLI.place_id, key: API_KEY });
    const reverse = await geocoder.reverse(51.5033635, -0.1276248);
    expect(reverse.map((p) => p.placeId)).toEqual(['ChIJRxzRQcUEdkgRGVaKyzmkgvg']);
    expect(google.requests.at(-1)).toEqual({
      path: '/maps/api/geocode/json',
      query: { latlng: '51.5033635,-0.1276248', key: API_KEY },
    });
  });

  it('autocomplete: predictions become suggestions; language and session token are passed on', async () => {
    const suggestions = await geocoder.autocomplete('Eiff', { language: 'fr', sessionToken: 'session-123' });
    expect(suggestions).toEqual([
      {
        placeId: 'ChIJLU7jZClu5kcR4PcOOO6p3I0',
        description: 'Eiffel Tower, Avenue Anatole France, Paris, France',
        mainText: 'Eiffel Tower',
        secondaryText: 'Avenue Anatole France, Paris, France',
      },
    ]);
    expect(google.requests.at(-1)).toEqual({
      path: '/maps/api/place/autocomplete/json',
      query: { input: 'Eiff', language: 'fr', sessiontoken: 'session-123', key: API_KEY },
    });
  });

  it('ZERO_RESULTS is an empty answer, not an error', async () => {
    expect(await geocoder.geocode('nowhere at all')).toEqual([]);
    expect(await geocoder.autocomplete('nowhere at all')).toEqual([]);
  });

  it('REQUEST_DENIED, OVER_QUERY_LIMIT, INVALID_REQUEST and UNKNOWN_ERROR become GeocoderErrors', async () => {
    const denied = await failure(geocoder.geocode('denied'));
    expect(denied).toMatchObject({ reason: 'denied', providerStatus: 'REQUEST_DENIED' });
    expect(denied.message).toContain('not authorized');
    expect(denied.message).not.toContain(API_KEY);
    expect(await failure(geocoder.autocomplete('denied'))).toMatchObject({ reason: 'denied' });
    expect(await failure(geocoder.geocode('quota'))).toMatchObject({
      reason: 'rate-limited',
      providerStatus: 'OVER_QUERY_LIMIT',
    });
    expect(await failure(geocoder.geocode('invalid'))).toMatchObject({
      reason: 'invalid-request',
      providerStatus: 'INVALID_REQUEST',
    });
    expect(await failure(geocoder.geocode('unknown'))).toMatchObject({
      reason: 'unavailable',
      providerStatus: 'UNKNOWN_ERROR',
    });
    const wrongKey = new GoogleGeocoder({ apiKey: 'wrong-key-000', apiUrl: google.url });
    expect(await failure(wrongKey.geocode('anything'))).toMatchObject({
      reason: 'denied',
      message: expect.stringContaining('API key is invalid'),
    });
  });

  it('an answer that is not JSON, a timeout and an unreachable host are "unavailable"', async () => {
    expect(await failure(geocoder.geocode('crash'))).toMatchObject({
      reason: 'unavailable',
      message: expect.stringContaining('HTTP 502'),
    });
    expect(await failure(geocoder.geocode('slow'))).toMatchObject({
      reason: 'unavailable',
      message: expect.stringContaining('300 ms'),
    });
    const closed = new GoogleGeocoder({ apiKey: API_KEY, apiUrl: 'http://127.0.0.1:1', timeoutMs: 1000 });
    const err = await failure(closed.geocode('x'));
    expect(err).toMatchObject({ reason: 'unavailable' });
    expect(err.message).not.toContain(API_KEY);
  });
});

// ----- the /api/geo endpoints -----------------------------------------------------------------

describe('/api/geo without a key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each([
    '/api/geo/autocomplete?q=Eiff',
    '/api/geo/geocode?address=10%20Downing%20Street',
    '/api/geo/reverse?lat=51.5&lng=-0.12',
  ])('%s -> 404 "geocoding is not configured"', async (path) => {
    for (const user of [PROVIDER, ADMIN]) {
      const res = await h.http.get(path).set(h.auth(user));
      expectProblem(res, 404, 'geocoding-not-configured');
      expect(res.body.detail).toBe('geocoding is not configured');
    }
  });

  it('is for providers and admins only', async () => {
    expectProblem(await h.http.get('/api/geo/autocomplete?q=Eiff'), 401, 'unauthorized');
    expectProblem(await h.http.get('/api/geo/autocomplete?q=Eiff').set(h.auth(CUSTOMER)), 403, 'forbidden');
  });
});

describe('/api/geo with a key (Google at a local server)', () => {
  let h: Harness;
  let google: FakeGoogle;
  beforeAll(async () => {
    google = await startFakeGoogle();
    h = await startHarness({
      env: { GOOGLE_MAPS_API_KEY: API_KEY, GOOGLE_MAPS_API_URL: google.url, GEOCODER_TIMEOUT_MS: '300' },
    });
  });
  afterAll(async () => {
    await h.stop();
    await google.close();
  });

  const get = (path: string, user = PROVIDER) => h.http.get(path).set(h.auth(user));

  it('autocomplete, geocode (by address or place id) and reverse answer { items }', async () => {
    const auto = await get('/api/geo/autocomplete?q=Eiff&language=en&sessionToken=abcdefgh-1234');
    expect(auto.status, auto.text).toBe(200);
    expect(auto.body.items).toEqual([
      expect.objectContaining({ placeId: 'ChIJLU7jZClu5kcR4PcOOO6p3I0', mainText: 'Eiffel Tower' }),
    ]);
    expect(google.requests.at(-1)!.query).toMatchObject({
      input: 'Eiff',
      language: 'en',
      sessiontoken: 'abcdefgh-1234',
    });

    const byAddress = await get('/api/geo/geocode?address=1%20rue%20de%20rivoli', ADMIN);
    expect(byAddress.status, byAddress.text).toBe(200);
    expect(byAddress.body.items).toEqual([
      {
        placeId: RIVOLI.place_id,
        address: '1 Rue de Rivoli, 75001 Paris, France',
        city: 'Paris',
        country: 'FR',
        lat: 48.8556,
        lng: 2.3602,
      },
    ]);

    const byPlace = await get(`/api/geo/geocode?placeId=${RIVOLI.place_id}`);
    expect(byPlace.body.items).toEqual(byAddress.body.items);

    const reverse = await get('/api/geo/reverse?lat=51.5033635&lng=-0.1276248');
    expect(reverse.status, reverse.text).toBe(200);
    expect(reverse.body.items).toEqual([expect.objectContaining({ city: 'London', country: 'GB' })]);
    expect(google.requests.at(-1)!.query.latlng).toBe('51.5033635,-0.1276248');
  });

  it('ZERO_RESULTS -> 200 with no items', async () => {
    const res = await get('/api/geo/geocode?address=nowhere%20at%20all');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it("REQUEST_DENIED and OVER_QUERY_LIMIT -> 503 without the provider's words; INVALID_REQUEST -> 400; a timeout -> 503", async () => {
    const denied = await get('/api/geo/geocode?address=denied');
    expectProblem(denied, 503, 'geocoder-denied');
    expect(denied.text).not.toContain('not authorized');
    expectProblem(await get('/api/geo/autocomplete?q=quota'), 503, 'geocoder-over-query-limit');
    expectFieldError(await get('/api/geo/autocomplete?q=invalid'), 'q');
    expectProblem(await get('/api/geo/geocode?address=slow'), 503, 'geocoder-unavailable');
  });

  it.each([
    ['/api/geo/autocomplete', 'q'],
    ['/api/geo/autocomplete?q=a', 'q'],
    ['/api/geo/autocomplete?q=Eiff&language=not%20a%20language', 'language'],
    ['/api/geo/geocode', 'address'],
    ['/api/geo/geocode?address=', 'address'],
    ['/api/geo/geocode?placeId=bad%20id', 'placeId'],
    [`/api/geo/geocode?address=x&placeId=${RIVOLI.place_id}`, 'placeId'],
    ['/api/geo/reverse?lng=2', 'lat'],
    ['/api/geo/reverse?lat=abc&lng=2', 'lat'],
    ['/api/geo/reverse?lat=91&lng=2', 'lat'],
    ['/api/geo/reverse?lat=48&lng=-180.5', 'lng'],
    ['/api/geo/reverse?lat=48&lng=', 'lng'],
    ['/api/geo/reverse?lat=48&lng=2&extra=1', 'extra'],
  ])('%s -> 400 naming %s', async (path, field) => {
    const before = google.requests.length;
    expectFieldError(await get(path), field);
    expect(google.requests.length).toBe(before); // refused before the provider is asked
  });

  it('customers may not geocode', async () => {
    expectProblem(await get('/api/geo/reverse?lat=1&lng=2', CUSTOMER), 403, 'forbidden');
  });
});
