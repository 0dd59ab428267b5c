import type { RequestHandler } from 'express';
import { comparePositions, parsePosition, UnavailableError, ValidationError } from '@booking/shared-kernel';
import type { ReadApiDeps } from './deps.js';

/**
 * Read-your-writes: a command answers with the global position it wrote; a read that
 * passes it back (`X-Min-Position` header or `minPosition` query parameter) waits, up to
 * a bound, until the read models include it, and answers 503 if they do not by then.
 * A position beyond the head of the event log was never returned by a command: 400 at
 * once, not a wait and a 503 that invites the client to retry forever.
 */
export function readYourWrites(deps: ReadApiDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const { minPosition, ...rest } = req.query as Record<string, unknown>;
      if (minPosition !== undefined) {
        // Express 5 parses `req.query` anew on every read, so deleting the key does not
        // stick: shadow the getter with the query minus `minPosition` for the routes after.
        Object.defineProperty(req, 'query', { value: rest, writable: true, configurable: true, enumerable: true });
      }
      const raw = req.header('x-min-position') ?? minPosition;
      if (raw === undefined) return next();
      if (typeof raw !== 'string') throw new ValidationError('minPosition must be given once', 'minPosition');
      let position;
      try {
        position = parsePosition(raw);
      } catch {
        throw new ValidationError('minPosition must be a position returned by a command, e.g. "42"', 'minPosition');
      }
      if (comparePositions(position, await deps.eventStore.headPosition()) > 0)
        throw new ValidationError('minPosition is beyond the end of the event log', 'minPosition');
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
