export { readApi } from './app.js';
export type { ReadApiDeps, ReadModelProgress } from './http/deps.js';
export type { ClientConfig } from './client-config/client-config-routes.js';
export { analystScope } from './analytics/analyst-scope.js';
export { projectionAdminRoutes } from './admin/projection-routes.js';
export {
  systemRoutes,
  type SystemStatus,
  type ProjectionProgress,
  type ReactorProgress,
} from './admin/system-routes.js';
export { toCsv } from './analytics/csv.js';
// query classes: validated by the routes and the source of the OpenAPI schemas
export { PageQuery } from './http/paging.js';
export { AvailabilityQuery, CatalogQuery, ProviderOfferingsQuery } from './catalog/catalog-queries.js';
export { AdminBookingListQuery, BookingListQuery } from './booking/booking-queries.js';
export { DiffQuery, ReplayQuery } from './audit/audit-queries.js';
export { AnalyticsQuery } from './analytics/analytics-queries.js';
export { UserListQuery } from './identity/user-routes.js';
export { AutocompleteQuery, GeocodeQuery, ReverseQuery } from './geo/geo-queries.js';
export { geoRoutes, GeocodingNotConfiguredError, GeocoderUnavailableError } from './geo/geo-routes.js';
export { haversineKm, boundingBox, EARTH_RADIUS_KM } from './geo/distance.js';
export {
  LiveBookingFeed,
  resumePosition,
  type BookingSubscriber,
  type LiveBookingFeedOptions,
  type ReadModelChanges,
} from './live/live-booking-feed.js';
export { LiveBookingsQuery } from './live/live-queries.js';
