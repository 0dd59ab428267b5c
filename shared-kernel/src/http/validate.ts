/**
 * Request bodies and queries are validated with class-validator against classes that are
 * also the OpenAPI schemas. Unknown properties are refused (no mass assignment).
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError, type FieldError } from '../errors.js';

function fieldErrors(errors: ClassValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

export function parseInput<T extends object>(schema: new () => T, input: unknown, what = 'request body'): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, what === 'request body' ? 'body' : 'query');
  }
  const instance = plainToInstance(schema, input, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    const list = fieldErrors(errors);
    throw new ValidationError(`invalid ${what}: ${list.map((e) => e.field).join(', ')}`, undefined, list);
  }
  return instance;
}
