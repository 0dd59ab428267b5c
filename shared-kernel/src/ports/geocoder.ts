/**
 * The geocoder port (issue #9): address suggestions while a provider types, an address to
 * coordinates, and coordinates to an address. Google Maps Platform when GOOGLE_MAPS_API_KEY
 * is set; otherwise there is no geocoder and providers enter coordinates by hand.
 */

/** One place, shaped like the `location` of an offering (LocationData). */
export interface GeoPlace {
  readonly placeId: string;
  /** the provider's formatted address */
  readonly address: string;
  readonly city: string | null;
  /** ISO 3166-1 alpha-2, upper case */
  readonly country: string | null;
  readonly lat: number;
  readonly lng: number;
}

/** One autocomplete suggestion; resolve it to coordinates with `geocodePlace(placeId)`. */
export interface PlaceSuggestion {
  readonly placeId: string;
  readonly description: string;
  readonly mainText: string;
  readonly secondaryText: string | null;
}

export interface AutocompleteOptions {
  /** BCP 47 language of the suggestions */
  readonly language?: string;
  /** Google bills the keystrokes of one autocomplete session together */
  readonly sessionToken?: string;
}

export interface Geocoder {
  readonly name: string;
  /** suggestions for what the user typed so far; [] when nothing matches */
  autocomplete(input: string, options?: AutocompleteOptions): Promise<PlaceSuggestion[]>;
  /** candidates for a free-text address, best first; [] when nothing matches */
  geocode(address: string): Promise<GeoPlace[]>;
  /** the place of an autocomplete suggestion; [] when the id is unknown */
  geocodePlace(placeId: string): Promise<GeoPlace[]>;
  /** addresses at (or nearest to) the coordinates, most precise first */
  reverse(lat: number, lng: number): Promise<GeoPlace[]>;
}

/**
 * Why the geocoder could not answer. "No match" is not an error (an empty list).
 * - `rate-limited`: the provider's quota or rate was exceeded (OVER_QUERY_LIMIT)
 * - `denied`: the provider refused our key or project (REQUEST_DENIED): a configuration fault
 * - `invalid-request`: the provider found the query malformed (INVALID_REQUEST)
 * - `unavailable`: network failure, timeout, an unreadable answer or UNKNOWN_ERROR
 */
export type GeocoderFailure = 'rate-limited' | 'denied' | 'invalid-request' | 'unavailable';

export class GeocoderError extends Error {
  override readonly name = 'GeocoderError';
  constructor(
    readonly reason: GeocoderFailure,
    message: string,
    /** the provider's own status word, when it sent one */
    readonly providerStatus: string | null = null,
  ) {
    super(message);
  }
}
