import type { RequestHandler } from 'express';
import { ForbiddenError, optionalActorOf } from '@booking/shared-kernel';

/** What a caller holding only the `analyst` role may call under /api: the analytics
 *  aggregates, signing in and out, and their own account. */
const ANALYST_PATHS = /^\/(analytics\/|auth\/|me$)/;

/** Mounted on /api before every route: an analyst-only caller gets a 403 anywhere else
 *  (admins who also hold `analyst` keep their admin access). */
export function analystScope(): RequestHandler {
  return (req, _res, next) => {
    const actor = optionalActorOf(req);
    if (!actor) return next();
    const roles = actor.roles ?? [actor.role];
    if (!roles.includes('analyst') || roles.some((r) => r !== 'analyst')) return next();
    if (ANALYST_PATHS.test(req.path)) return next();
    next(new ForbiddenError('the analyst role reads the analytics endpoints only'));
  };
}
