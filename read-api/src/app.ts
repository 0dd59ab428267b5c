import { Router } from 'express';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { bookingRoutes } from './booking/booking-routes.js';
import { readYourWrites } from './http/read-your-writes.js';
import { auditRoutes } from './audit/audit-routes.js';
import { userRoutes } from './identity/user-routes.js';
import { receiptRoutes } from './receipts/receipt-routes.js';
import { analyticsRoutes } from './analytics/analytics-routes.js';
import { geoRoutes } from './geo/geo-routes.js';
import { preferenceRoutes } from './identity/preference-routes.js';
import { clientConfigRoutes, NO_CLIENT_CONFIG } from './client-config/client-config-routes.js';
import { liveRoutes } from './live/live-routes.js';
import type { ReadApiDeps } from './http/deps.js';

/** Every query endpoint, to be mounted under `/api` (GET only). */
export function readApi(deps: ReadApiDeps): Router {
  const router = Router();
  router.use(clientConfigRoutes(deps.clientConfig ?? NO_CLIENT_CONFIG));
  router.get('/status/projections', async (_req, res) => {
    res.json(await deps.progress.status());
  });
  router.use(readYourWrites(deps));
  router.use(catalogRoutes(deps));
  router.use(bookingRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(userRoutes(deps));
  router.use(preferenceRoutes(deps));
  router.use(receiptRoutes(deps));
  router.use(analyticsRoutes(deps));
  router.use(geoRoutes(deps));
  if (deps.live) router.use(liveRoutes({ ...deps.live, logger: deps.logger }));
  return router;
}
