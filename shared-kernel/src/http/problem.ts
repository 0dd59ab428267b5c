/**
 * Errors become `application/problem+json` (RFC 9457) with a stable `type`, and the field
 * at fault where there is one. A 500 never echoes an internal message or a stack.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, type ErrorKind, type FieldError, TooManyRequestsError, ValidationError } from '../errors.js';
import type { Logger } from '../logging.js';

export const PROBLEM_BASE = 'https://booking.example/problems/';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  'precondition-required': 428,
  'domain-rule': 409,
  'idempotency-key-reuse': 422,
  'payload-too-large': 413,
  unavailable: 503,
  'rate-limited': 429,
  'unsupported-media-type': 415,
};

const TITLES: Record<ErrorKind, string> = {
  validation: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'precondition-failed': 'Precondition failed',
  'precondition-required': 'Precondition required',
  'domain-rule': 'Request refused by a business rule',
  'idempotency-key-reuse': 'Idempotency key reused',
  'payload-too-large': 'Payload too large',
  unavailable: 'Service unavailable',
  'rate-limited': 'Too many requests',
  'unsupported-media-type': 'Unsupported media type',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code?: string;
  errors?: FieldError[];
  correlationId?: string;
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

export function problemFor(err: AppError): Problem {
  const status = STATUS[err.kind];
  const problem: Problem = {
    type: `${PROBLEM_BASE}${err.code}`,
    title: TITLES[err.kind],
    status,
    detail: err.message,
    code: err.code,
  };
  if (err instanceof ValidationError && err.errors.length > 0) problem.errors = err.errors;
  return problem;
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** The last middleware: maps every error to a problem document and logs what was not expected. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const correlationId = res.getHeader('x-correlation-id') as string | undefined;
    const instance = req.originalUrl;
    if (err instanceof AppError) {
      if (err instanceof TooManyRequestsError)
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
      if (err.kind === 'unavailable') logger.warn({ err }, 'request failed: dependency unavailable');
      sendProblem(res, { ...problemFor(err), instance, correlationId });
      return;
    }
    const bodyError = err as BodyParserError;
    if (bodyError?.type === 'entity.too.large') {
      sendProblem(res, {
        type: `${PROBLEM_BASE}payload-too-large`,
        title: TITLES['payload-too-large'],
        status: 413,
        detail: 'the request body is too large',
        code: 'payload-too-large',
        instance,
        correlationId,
      });
      return;
    }
    if (bodyError?.type === 'entity.parse.failed') {
      sendProblem(res, {
        type: `${PROBLEM_BASE}malformed-json`,
        title: TITLES.validation,
        status: 400,
        detail: 'the request body is not valid JSON',
        code: 'malformed-json',
        instance,
        correlationId,
      });
      return;
    }
    if (bodyError?.type === 'charset.unsupported' || bodyError?.type === 'encoding.unsupported') {
      sendProblem(res, {
        type: `${PROBLEM_BASE}unsupported-encoding`,
        title: TITLES.validation,
        status: 415,
        detail: 'unsupported body encoding',
        code: 'unsupported-encoding',
        instance,
        correlationId,
      });
      return;
    }
    logger.error({ err }, 'unhandled error');
    sendProblem(res, {
      type: `${PROBLEM_BASE}internal`,
      title: 'Internal error',
      status: 500,
      detail: 'an internal error occurred; quote the correlation id when reporting it',
      code: 'internal',
      instance,
      correlationId,
    });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, {
    type: `${PROBLEM_BASE}route-not-found`,
    title: TITLES['not-found'],
    status: 404,
    detail: `no route ${req.method} ${req.path}`,
    code: 'route-not-found',
    instance: req.originalUrl,
  });
};
