/**
 * `GET /me/notification-preferences`: the caller's own channels, as the settings page
 * shows them (PUT is the command side's). No document yet means nothing was opted out.
 */
import { Router } from 'express';
import { actorOf } from '@booking/shared-kernel';
import type { ReadApiDeps } from '../http/deps.js';

interface PreferenceDoc {
  _id: string;
  optOut?: ('email' | 'sms')[];
  phone?: string;
}

export function preferenceRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  router.get('/me/notification-preferences', async (req, res) => {
    const actor = actorOf(req);
    const doc = await deps.docs.collection<PreferenceDoc>('notification_preferences').get(actor.id);
    const optOut = doc?.optOut ?? [];
    res.setHeader('cache-control', 'private, no-store');
    res.json({
      userId: actor.id,
      email: !optOut.includes('email'),
      sms: !optOut.includes('sms'),
      phone: doc?.phone ?? null,
    });
  });
  return router;
}
