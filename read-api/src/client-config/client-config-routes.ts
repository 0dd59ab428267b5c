/**
 * `GET /config`: the public settings the SPA needs before anyone signs in — which social
 * sign-in buttons to show (the OAuth client ids, public by design), the TikTok Pixel code,
 * the browser key for the Maps JavaScript API, and whether demo sign-in is on. Nothing
 * secret goes here: every value is one the browser would see anyway.
 */
import { Router } from 'express';

export interface ClientConfig {
  signIn: {
    /** Google Identity Services web client id (the first of GOOGLE_CLIENT_IDS) */
    google: { clientId: string } | null;
    /** Sign in with Apple services id (the first of APPLE_CLIENT_IDS) */
    apple: { clientId: string } | null;
  };
  /** only when TIKTOK_PIXEL_CODE is set; the purchase event's name matches the server's */
  tiktokPixel: { pixelCode: string; purchaseEventName: 'Purchase' | 'CompletePayment' } | null;
  /** only with GOOGLE_MAPS_BROWSER_KEY: a key meant for browsers (restricted by referrer) */
  maps: { browserKey: string } | null;
  /** demo sign-in (`/api/demo/*`) is mounted */
  demoSignIn: boolean;
}

export const NO_CLIENT_CONFIG: ClientConfig = {
  signIn: { google: null, apple: null },
  tiktokPixel: null,
  maps: null,
  demoSignIn: false,
};

export function clientConfigRoutes(config: ClientConfig): Router {
  const router = Router();
  const body = JSON.stringify(config);
  router.get('/config', (_req, res) => {
    // short: a changed deployment reaches open tabs on their next load
    res.setHeader('cache-control', 'public, max-age=60');
    res.type('application/json').send(body);
  });
  return router;
}
