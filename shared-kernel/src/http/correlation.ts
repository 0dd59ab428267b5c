import type { RequestHandler } from 'express';
import { newId } from '../primitives/ids.js';
import { withLogContext } from '../logging.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Every request gets a correlation id (the caller's `X-Correlation-Id` if it is sane) and
 * its own request id, used as the causation id of the events it appends. Both are on every
 * log line written while the request is handled.
 */
export const correlation: RequestHandler = (req, res, next) => {
  const given = req.header('x-correlation-id');
  const correlationId = given && SAFE_ID.test(given) ? given : newId();
  const requestId = newId();
  res.setHeader('x-correlation-id', correlationId);
  res.locals.correlationId = correlationId;
  res.locals.requestId = requestId;
  withLogContext({ correlationId, causationId: requestId }, next);
};
