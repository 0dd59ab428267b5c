import { Router } from 'express';
import { offeringRoutes } from './catalog/offering-routes.js';
import { bookingRoutes } from './booking/booking-routes.js';
import { paymentRoutes } from './payment/payment-routes.js';
import { identityRoutes } from './identity/identity-routes.js';
import type { CommandDeps } from './http/deps.js';

/** Every command endpoint, to be mounted under `/api`. */
export function commandApi(deps: CommandDeps): Router {
  const router = Router();
  router.use(offeringRoutes(deps));
  router.use(bookingRoutes(deps));
  router.use(paymentRoutes(deps));
  router.use(identityRoutes(deps));
  return router;
}
