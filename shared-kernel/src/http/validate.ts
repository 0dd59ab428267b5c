/**
 * Request bodies and queries are validated with class-validator against classes that are
 * also the OpenAPI schemas. Unknown properties are refused (no mass assignment).
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError, type FieldError } from '../errors.js';

function fieldErrors(errors: ClassValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    // Array items are `list[0]`, as the domain validators name them.
    const field = !prefix ? e.property : /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/** `__proto__` keys (own properties after JSON.parse) are dropped silently by
 *  class-transformer; they are refused like any other unknown property. */
function protoKeys(value: unknown, prefix = ''): FieldError[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const field = prefix ? `${prefix}.${key}` : key;
    if (key === '__proto__') return [{ field, message: `property ${key} should not exist` }];
    return protoKeys((value as Record<string, unknown>)[key], field);
  });
}

export function parseInput<T extends object>(schema: new () => T, input: unknown, what = 'request body'): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, what === 'request body' ? 'body' : 'query');
  }
  const forbidden = protoKeys(input);
  if (forbidden.length > 0) {
    throw new ValidationError(`invalid ${what}: ${forbidden.map((e) => e.field).join(', ')}`, undefined, forbidden);
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
