/** Great-circle distances for the catalog's distance search (issue #9). */

/** mean Earth radius (IUGG), km */
export const EARTH_RADIUS_KM = 6371.0088;

const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export interface LatLng {
  lat: number;
  lng: number;
}

/** Haversine distance in km. */
export function haversineKm(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A latitude/longitude box holding every point within `radiusKm` of `center`, to narrow the
 * candidates in the store before the exact distance is computed. `lng` is null when the
 * circle reaches a pole or crosses the antimeridian (no longitude bound then).
 */
export function boundingBox(center: LatLng, radiusKm: number): { lat: [number, number]; lng: [number, number] | null } {
  const angle = radiusKm / EARTH_RADIUS_KM;
  const margin = 1e-6; // degrees: rounding must never drop a point on the edge
  const latMin = center.lat - deg(angle) - margin;
  const latMax = center.lat + deg(angle) + margin;
  if (latMin <= -90 || latMax >= 90) return { lat: [Math.max(-90, latMin), Math.min(90, latMax)], lng: null };
  // The widest longitude span of a spherical cap; the argument is < 1 when no pole is inside.
  const dLng = deg(Math.asin(Math.sin(angle) / Math.cos(rad(center.lat)))) + margin;
  const lngMin = center.lng - dLng;
  const lngMax = center.lng + dLng;
  return { lat: [latMin, latMax], lng: lngMin < -180 || lngMax > 180 ? null : [lngMin, lngMax] };
}
