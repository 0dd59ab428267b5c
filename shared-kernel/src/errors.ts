/**
 * Typed errors. The HTTP layer maps each `kind` to a status and a stable problem type
 * (`shared-kernel/src/http/problem.ts`); nothing else decides a status code.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'precondition-required'
  | 'domain-rule'
  | 'idempotency-key-reuse'
  | 'payload-too-large'
  | 'unavailable'
  | 'rate-limited'
  | 'unsupported-media-type';

export interface FieldError {
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
  /** a stable, short code for the problem type (e.g. `sold-out`) */
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

export class ValidationError extends AppError {
  readonly kind = 'validation';
  readonly errors: FieldError[];
  constructor(message: string, field?: string, errors?: FieldError[]) {
    super(message, 'validation');
    this.errors = errors ?? (field ? [{ field, message }] : []);
  }
}

export class UnauthorizedError extends AppError {
  readonly kind = 'unauthorized';
  constructor(message = 'authentication required') {
    super(message, 'unauthorized');
  }
}

export class ForbiddenError extends AppError {
  readonly kind = 'forbidden';
  constructor(message = 'not allowed') {
    super(message, 'forbidden');
  }
}

export class NotFoundError extends AppError {
  readonly kind = 'not-found';
  constructor(what: string) {
    super(`${what} not found`, 'not-found');
  }
}

/** Concurrent writers kept colliding after the bounded retries. */
export class ConflictError extends AppError {
  readonly kind = 'conflict';
  constructor(message: string) {
    super(message, 'conflict');
  }
}

/** A business rule refused the command (sold out, not pending, too late to cancel...). */
export class DomainRuleError extends AppError {
  readonly kind = 'domain-rule';
  constructor(code: string, message: string) {
    super(message, code);
  }
}

export class PreconditionFailedError extends AppError {
  readonly kind = 'precondition-failed';
  constructor(message: string) {
    super(message, 'precondition-failed');
  }
}

export class PreconditionRequiredError extends AppError {
  readonly kind = 'precondition-required';
  constructor(message: string) {
    super(message, 'precondition-required');
  }
}

export class IdempotencyKeyReuseError extends AppError {
  readonly kind = 'idempotency-key-reuse';
  constructor() {
    super('this Idempotency-Key was used with a different request', 'idempotency-key-reuse');
  }
}

export class UnavailableError extends AppError {
  readonly kind = 'unavailable';
  constructor(message: string) {
    super(message, 'unavailable');
  }
}

/** Too many requests (rate limit or a temporarily locked account); `retryAfterSeconds`
 *  becomes the `Retry-After` header. */
export class TooManyRequestsError extends AppError {
  readonly kind = 'rate-limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'rate-limited',
  ) {
    super(message, code);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly kind = 'unsupported-media-type';
  constructor(message = 'request bodies must be application/json') {
    super(message, 'unsupported-media-type');
  }
}
