/**
 * Request bodies and queries are validated with class-validator against classes that are
 * also the OpenAPI schemas. Unknown properties are refused (no mass assignment).
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError, type FieldError } from '../errors.js';
import { cacheValidationMetadata } from '../class-validator-cache.js';

cacheValidationMetadata();

function fieldErrors(errors: ClassValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    // Array items are `list[0]`, as the domain validators name them.
    const field = !prefix
      ? e.property
      : /^\d+$/.test(e.property)
        ? `${prefix}[${e.property}]`
        : `${prefix}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

const MAX_DEPTH = 32;

/**
 * Walks the input without recursion: `__proto__` keys (own properties after JSON.parse,
 * which class-transformer drops silently) are refused like any unknown property, and input
 * nested deeper than any request needs is refused before the recursive validators see it.
 */
function structuralErrors(input: object): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; field: string; depth: number }[] = [{ value: input, field: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, field, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) return [{ field: field.split('.')[0]!, message: `nested deeper than ${MAX_DEPTH} levels` }];
    for (const key of Object.keys(value)) {
      const path = field ? `${field}.${key}` : key;
      if (key === '__proto__') errors.push({ field: path, message: `property ${key} should not exist` });
      else stack.push({ value: (value as Record<string, unknown>)[key], field: path, depth: depth + 1 });
    }
  }
  return errors;
}

export function parseInput<T extends object>(schema: new () => T, input: unknown, what = 'request body'): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, what === 'request body' ? 'body' : 'query');
  }
  const structural = structuralErrors(input);
  if (structural.length > 0) {
    throw new ValidationError(`invalid ${what}: ${structural.map((e) => e.field).join(', ')}`, undefined, structural);
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
