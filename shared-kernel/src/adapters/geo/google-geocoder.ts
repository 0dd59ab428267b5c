/**
 * Geocoder over Google Maps Platform web services: the Geocoding API
 * (`/maps/api/geocode/json`, forward, by place id and reverse) and Places Autocomplete
 * (`/maps/api/place/autocomplete/json`). Both answer HTTP 200 with a `status` word; OK
 * and ZERO_RESULTS are answers, every other status becomes a GeocoderError. The key
 * travels in the query string, so it never appears in an error message or a log line.
 */
import {
  GeocoderError,
  type AutocompleteOptions,
  type GeoPlace,
  type Geocoder,
  type PlaceSuggestion,
} from '../../ports/geocoder.js';

export interface GoogleGeocoderOptions {
  apiKey: string;
  /** default https://maps.googleapis.com; a local server in tests */
  apiUrl?: string | null;
  /** per call, default 5000 */
  timeoutMs?: number;
  /** default: the global fetch */
  fetch?: typeof fetch;
}

interface GoogleAddressComponent {
  long_name?: unknown;
  short_name?: unknown;
  types?: unknown;
}

interface GoogleGeocodeResult {
  place_id?: unknown;
  formatted_address?: unknown;
  address_components?: unknown;
  geometry?: { location?: { lat?: unknown; lng?: unknown } };
}

interface GooglePrediction {
  place_id?: unknown;
  description?: unknown;
  structured_formatting?: { main_text?: unknown; secondary_text?: unknown };
}

interface GoogleResponse {
  status?: unknown;
  error_message?: unknown;
  results?: unknown;
  predictions?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function component(
  components: GoogleAddressComponent[],
  type: string,
  name: 'long_name' | 'short_name',
): string | null {
  const c = components.find((x) => Array.isArray(x.types) && (x.types as unknown[]).includes(type));
  return c ? str(c[name]) : null;
}

/** A Geocoding API result as a GeoPlace; null when it lacks an id, an address or coordinates. */
export function placeOf(result: GoogleGeocodeResult): GeoPlace | null {
  const placeId = str(result.place_id);
  const address = str(result.formatted_address);
  const lat = num(result.geometry?.location?.lat);
  const lng = num(result.geometry?.location?.lng);
  if (!placeId || !address || lat === null || lng === null) return null;
  const components = Array.isArray(result.address_components)
    ? (result.address_components as GoogleAddressComponent[])
    : [];
  const city =
    component(components, 'locality', 'long_name') ??
    component(components, 'postal_town', 'long_name') ??
    component(components, 'sublocality', 'long_name');
  const country = component(components, 'country', 'short_name');
  return {
    placeId,
    address: address.slice(0, 300),
    city: city ? city.slice(0, 100) : null,
    country: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : null,
    lat,
    lng,
  };
}

function suggestionOf(p: GooglePrediction): PlaceSuggestion | null {
  const placeId = str(p.place_id);
  const description = str(p.description);
  if (!placeId || !description) return null;
  return {
    placeId,
    description,
    mainText: str(p.structured_formatting?.main_text) ?? description,
    secondaryText: str(p.structured_formatting?.secondary_text),
  };
}

export class GoogleGeocoder implements Geocoder {
  readonly name = 'google';
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: GoogleGeocoderOptions) {
    if (!options.apiKey) throw new Error('GoogleGeocoder needs an API key');
    this.base = (options.apiUrl || 'https://maps.googleapis.com').replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async autocomplete(input: string, options: AutocompleteOptions = {}): Promise<PlaceSuggestion[]> {
    const body = await this.call('/maps/api/place/autocomplete/json', {
      input,
      ...(options.language ? { language: options.language } : {}),
      ...(options.sessionToken ? { sessiontoken: options.sessionToken } : {}),
    });
    const predictions = Array.isArray(body.predictions) ? (body.predictions as GooglePrediction[]) : [];
    return predictions.map(suggestionOf).filter((s): s is PlaceSuggestion => s !== null);
  }

  geocode(address: string): Promise<GeoPlace[]> {
    return this.places({ address });
  }

  geocodePlace(placeId: string): Promise<GeoPlace[]> {
    return this.places({ place_id: placeId });
  }

  reverse(lat: number, lng: number): Promise<GeoPlace[]> {
    return this.places({ latlng: `${lat},${lng}` });
  }

  private async places(params: Record<string, string>): Promise<GeoPlace[]> {
    const body = await this.call('/maps/api/geocode/json', params);
    const results = Array.isArray(body.results) ? (body.results as GoogleGeocodeResult[]) : [];
    return results.map(placeOf).filter((p): p is GeoPlace => p !== null);
  }

  /** One GET; the body of an OK or ZERO_RESULTS answer, else a GeocoderError. */
  private async call(path: string, params: Record<string, string>): Promise<GoogleResponse> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('key', this.options.apiKey);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new GeocoderError(
        'unavailable',
        timedOut ? `the geocoder did not answer within ${this.timeoutMs} ms` : 'the geocoder could not be reached',
      );
    }
    let body: GoogleResponse;
    try {
      body = (await response.json()) as GoogleResponse;
    } catch {
      throw new GeocoderError('unavailable', `the geocoder answered HTTP ${response.status} without JSON`);
    }
    if (typeof body !== 'object' || body === null)
      throw new GeocoderError('unavailable', 'the geocoder answered without a JSON object');
    const status = str(body.status);
    const detail = str(body.error_message);
    const why = (text: string) => (detail ? `${text}: ${detail}` : text);
    switch (status) {
      case 'OK':
        return body;
      case 'ZERO_RESULTS':
        return { ...body, results: [], predictions: [] };
      case 'OVER_QUERY_LIMIT':
      case 'OVER_DAILY_LIMIT':
        throw new GeocoderError('rate-limited', why('the geocoder quota is exhausted'), status);
      case 'REQUEST_DENIED':
        throw new GeocoderError(
          'denied',
          why('the geocoder refused the request (check GOOGLE_MAPS_API_KEY and the APIs enabled for it)'),
          status,
        );
      case 'INVALID_REQUEST':
        throw new GeocoderError('invalid-request', why('the geocoder found the request invalid'), status);
      default:
        throw new GeocoderError(
          'unavailable',
          why(`the geocoder failed (${status ?? `HTTP ${response.status}, no status`})`),
          status,
        );
    }
  }
}
