/**
 * Request bodies and queries are validated with class-validator against classes that are
 * also the OpenAPI schemas. Unknown properties are refused (no mass assignment).
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError, type FieldError } from '../errors.js';
import { cacheValidationMetadata, validationRulesVersion } from '../class-validator-cache.js';
import { compileSchemaCheck, type SchemaCheck } from '../events/compiled-schema-check.js';

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

/** Each schema's check compiled from its class-validator rules (see compiled-schema-check.ts);
 *  null where the compiler cannot model the schema. Recompiled when a rule is registered. */
const compiledChecks = new Map<abstract new () => object, SchemaCheck | null>();
let checksAtRules = -1;

function compiledCheckOf(schema: abstract new () => object): SchemaCheck | null {
  if (checksAtRules !== validationRulesVersion()) {
    compiledChecks.clear();
    checksAtRules = validationRulesVersion();
  }
  let check = compiledChecks.get(schema);
  if (check === undefined) {
    const compiled = compileSchemaCheck(schema);
    check = 'check' in compiled ? compiled.check : null;
    compiledChecks.set(schema, check);
  }
  return check;
}

/**
 * What plainToInstance makes of input whose values are all primitives: an instance with
 * the input's keys assigned in order. Null when a value is an object or array (those it
 * copies, nested ones into their @Type classes) or the instance holds a function under
 * the key (which it would leave alone): plainToInstance does it then.
 */
function flatInstance<T extends object>(schema: new () => T, input: object): T | null {
  const instance = new schema();
  for (const key of Object.keys(input)) {
    const value: unknown = (input as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null) return null;
    if (typeof (instance as Record<string, unknown>)[key] === 'function') return null;
    (instance as Record<string, unknown>)[key] = value;
  }
  return instance;
}

export function parseInput<T extends object>(schema: new () => T, input: unknown, what = 'request body'): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`the ${what} must be a JSON object`, what === 'request body' ? 'body' : 'query');
  }
  const structural = structuralErrors(input);
  if (structural.length > 0) {
    throw new ValidationError(`invalid ${what}: ${structural.map((e) => e.field).join(', ')}`, undefined, structural);
  }
  // The compiled check only ever says "valid" where class-validator would; anything else
  // (invalid, or not sure) goes to class-validator, which also words the problems.
  if (compiledCheckOf(schema)?.(input)) {
    return flatInstance(schema, input) ?? plainToInstance(schema, input, { enableImplicitConversion: false });
  }
  return validatedByClassValidator(schema, input, what);
}

/** plainToInstance + validateSync: the reference the compiled check must agree with. */
export function validatedByClassValidator<T extends object>(schema: new () => T, input: object, what: string): T {
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
