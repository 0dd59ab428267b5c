/**
 * Geocoding for providers and admins (issue #9): suggestions while typing an address, an
 * address (or a suggestion's place id) to coordinates, and coordinates to an address.
 * Without a geocoder (no GOOGLE_MAPS_API_KEY) every endpoint answers 404 "geocoding is not
 * configured" and providers enter coordinates by hand.
 */
import { Router, type Request } from 'express';
import {
  actorOf,
  AppError,
  GeocoderError,
  parseInput,
  ValidationError,
  type ErrorKind,
  type Geocoder,
  type Logger,
} from '@booking/shared-kernel';
import { AutocompleteQuery, GeocodeQuery, ReverseQuery } from './geo-queries.js';

export class GeocodingNotConfiguredError extends AppError {
  readonly kind: ErrorKind = 'not-found';
  constructor() {
    super('geocoding is not configured', 'geocoding-not-configured');
  }
}

/** The geocoder could not answer; the provider's own words go to the log, not to the client. */
export class GeocoderUnavailableError extends AppError {
  readonly kind: ErrorKind = 'unavailable';
  constructor(code: string, message: string) {
    super(message, code);
  }
}

export interface GeoDeps {
  geocoder?: Geocoder | null;
  logger: Logger;
}

export function geoRoutes(deps: GeoDeps): Router {
  const router = Router();

  /** the caller may geocode, and there is a geocoder */
  function geocoderFor(req: Request): Geocoder {
    actorOf(req, 'provider', 'admin');
    if (!deps.geocoder) throw new GeocodingNotConfiguredError();
    return deps.geocoder;
  }

  /** `field`: the query parameter a provider's INVALID_REQUEST is about */
  async function ask<T>(field: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof GeocoderError)) throw err;
      deps.logger.warn(
        { reason: err.reason, providerStatus: err.providerStatus, detail: err.message },
        'geocoder failed',
      );
      switch (err.reason) {
        case 'invalid-request':
          throw new ValidationError('the geocoder refused this query', field);
        case 'rate-limited':
          throw new GeocoderUnavailableError(
            'geocoder-over-query-limit',
            'geocoding is over its quota; try again later or enter the coordinates by hand',
          );
        case 'denied':
          throw new GeocoderUnavailableError(
            'geocoder-denied',
            'the geocoding provider refused the request; enter the coordinates by hand',
          );
        default:
          throw new GeocoderUnavailableError(
            'geocoder-unavailable',
            'geocoding is unavailable; try again later or enter the coordinates by hand',
          );
      }
    }
  }

  router.get('/geo/autocomplete', async (req, res) => {
    const geocoder = geocoderFor(req);
    const q = parseInput(AutocompleteQuery, req.query, 'query');
    const items = await ask('q', () =>
      geocoder.autocomplete(q.q, {
        ...(q.language ? { language: q.language } : {}),
        ...(q.sessionToken ? { sessionToken: q.sessionToken } : {}),
      }),
    );
    res.setHeader('cache-control', 'private, no-store');
    res.json({ items });
  });

  router.get('/geo/geocode', async (req, res) => {
    const geocoder = geocoderFor(req);
    const q = parseInput(GeocodeQuery, req.query, 'query');
    if (q.address !== undefined && q.placeId !== undefined)
      throw new ValidationError('give address or placeId, not both', 'placeId');
    const items =
      q.placeId !== undefined
        ? await ask('placeId', () => geocoder.geocodePlace(q.placeId!))
        : await ask('address', () => geocoder.geocode(q.address!));
    res.setHeader('cache-control', 'private, no-store');
    res.json({ items });
  });

  router.get('/geo/reverse', async (req, res) => {
    const geocoder = geocoderFor(req);
    const q = parseInput(ReverseQuery, req.query, 'query');
    const items = await ask('lat', () => geocoder.reverse(q.lat, q.lng));
    res.setHeader('cache-control', 'private, no-store');
    res.json({ items });
  });

  return router;
}
