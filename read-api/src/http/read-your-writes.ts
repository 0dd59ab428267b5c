import type { RequestHandler } from 'express';
import { parsePosition, UnavailableError, ValidationError } from '@booking/shared-kernel';
import type { ReadApiDeps } from './deps.js';

/**
 * Read-your-writes: a command answers with the global position it wrote; a read that
 * passes it back (`X-Min-Position` header or `minPosition` query parameter) waits, up to
 * a bound, until the read models include it, and answers 503 if they do not by then.
 */
export function readYourWrites(deps: ReadApiDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const raw = req.header('x-min-position') ?? (typeof req.query.minPosition === 'string' ? req.query.minPosition : undefined);
      if (req.query.minPosition !== undefined) delete (req.query as Record<string, unknown>).minPosition;
      if (raw === undefined) return next();
      let position;
      try {
        position = parsePosition(raw);
      } catch {
        throw new ValidationError('minPosition must be a position returned by a command, e.g. "42"', 'minPosition');
      }
      const reached = await deps.progress.waitFor(position, deps.readYourWritesTimeoutMs);
      if (!reached) {
        res.setHeader('retry-after', '1');
        throw new UnavailableError('the read models have not caught up with that position yet; retry shortly');
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
