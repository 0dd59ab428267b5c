/**
 * Whitelist checks shared by the document store adapters.
 *
 * A filter may reach a store from a query string, so besides the HTTP layer's own
 * validation every adapter refuses any `$` key the port does not list (`$where`,
 * `$function`, `$expr`, ...) before the filter touches mingo or the MongoDB driver.
 * Updates come from projectors, not users, but they are held to the port's operator list
 * too, so both adapters accept exactly the same writes.
 */
import { ValidationError } from '../../errors.js';
import type { Filter, FindOptions, Update } from '../../ports/document-store.js';

const LOGICAL_OPERATORS = new Set(['$and', '$or']);
const FIELD_OPERATORS = new Set([
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$regex',
  '$options',
]);
const UPDATE_OPERATORS = new Set(['$set', '$setOnInsert', '$unset', '$inc', '$push', '$pull', '$max', '$min']);
/** fields the store maintains itself */
const RESERVED_FIELDS = new Set(['_id', '_pos']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function unknownOperator(op: string, where: string): ValidationError {
  return new ValidationError(`unsupported query operator ${op}`, where);
}

/** A literal value (equality operand, `$in` element...) must not smuggle operators. */
function assertLiteral(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) assertLiteral(item, where);
    return;
  }
  if (!isPlainObject(value)) return; // primitives, Date, RegExp
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('$')) throw unknownOperator(key, where);
    assertLiteral(inner, `${where}.${key}`);
  }
}

function assertOperatorExpression(field: string, expr: Record<string, unknown>): void {
  for (const [op, operand] of Object.entries(expr)) {
    if (!FIELD_OPERATORS.has(op)) throw unknownOperator(op, field);
    switch (op) {
      case '$in':
      case '$nin':
        if (!Array.isArray(operand)) {
          throw new ValidationError(`${op} needs an array`, field);
        }
        assertLiteral(operand, field);
        break;
      case '$exists':
        if (typeof operand !== 'boolean') {
          throw new ValidationError('$exists needs true or false', field);
        }
        break;
      case '$regex':
        if (typeof operand !== 'string' && !(operand instanceof RegExp)) {
          throw new ValidationError('$regex needs a string', field);
        }
        if (typeof operand === 'string') {
          try {
            new RegExp(operand);
          } catch {
            throw new ValidationError('$regex is not a valid pattern', field);
          }
        }
        break;
      case '$options':
        if (typeof operand !== 'string' || !/^[ims]*$/.test(operand)) {
          throw new ValidationError('$options may only contain i, m, s', field);
        }
        if (!('$regex' in expr)) {
          throw new ValidationError('$options needs $regex', field);
        }
        break;
      default:
        assertLiteral(operand, field);
    }
  }
}

/**
 * Throws a ValidationError naming the first operator the port does not list, or when the
 * filter is not a plain object. Allowed: field equality, `$eq $ne $gt $gte $lt $lte $in
 * $nin $exists $regex $options`, `$and $or`, dotted paths.
 */
export function assertFilter(filter: unknown, where = 'filter'): asserts filter is Filter {
  if (!isPlainObject(filter)) {
    throw new ValidationError('a filter must be an object', where);
  }
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      if (!LOGICAL_OPERATORS.has(key)) throw unknownOperator(key, where);
      if (!Array.isArray(value) || value.length === 0) {
        throw new ValidationError(`${key} needs a non-empty array of filters`, where);
      }
      value.forEach((inner, i) => assertFilter(inner, `${where}.${key}[${i}]`));
      continue;
    }
    if (key === '') throw new ValidationError('empty field name', where);
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      assertOperatorExpression(key, value);
    } else {
      assertLiteral(value, key);
    }
  }
}

/** Sort keys are plain field paths with 1 / -1; skip and limit are non-negative integers. */
export function assertFindOptions(options: FindOptions | undefined): void {
  if (!options) return;
  if (options.sort !== undefined) {
    if (!isPlainObject(options.sort)) throw new ValidationError('sort must be an object', 'sort');
    for (const [field, dir] of Object.entries(options.sort)) {
      if (field === '' || field.startsWith('$')) {
        throw new ValidationError(`invalid sort field ${field}`, 'sort');
      }
      if (dir !== 1 && dir !== -1) throw new ValidationError('sort direction must be 1 or -1', 'sort');
    }
  }
  for (const name of ['skip', 'limit'] as const) {
    const n = options[name];
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      throw new ValidationError(`${name} must be a non-negative integer`, name);
    }
  }
}

/** The sort the adapters apply: the caller's keys, then `_id`, so paging is stable. */
export function stableSort(sort: Record<string, 1 | -1> | undefined): Record<string, 1 | -1> {
  if (!sort) return { _id: 1 };
  return '_id' in sort ? sort : { ...sort, _id: 1 };
}

/** A field path that a unique index, group or update may use. */
export function assertFieldPath(path: string, where: string): void {
  if (path === '' || path.split('.').some((part) => part === '' || part.startsWith('$'))) {
    throw new ValidationError(`invalid field path ${JSON.stringify(path)}`, where);
  }
}

/**
 * Checks an update against the port's operator list, drops empty operator objects and
 * refuses writes to `_id` / `_pos` (the store owns them) and positional paths.
 */
export function normalizeUpdate(update: Update): Update {
  if (!isPlainObject(update)) throw new ValidationError('an update must be an object', 'update');
  const out: Record<string, Record<string, unknown>> = {};
  for (const [op, operand] of Object.entries(update)) {
    if (!UPDATE_OPERATORS.has(op)) {
      throw new ValidationError(`unsupported update operator ${op}`, 'update');
    }
    if (operand === undefined) continue;
    if (!isPlainObject(operand)) throw new ValidationError(`${op} needs an object`, op);
    const entries = Object.entries(operand);
    if (entries.length === 0) continue;
    for (const [path, value] of entries) {
      assertFieldPath(path, op);
      if (RESERVED_FIELDS.has(path.split('.')[0]!)) {
        throw new ValidationError(`${path} is maintained by the store`, op);
      }
      if (op === '$inc' && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new ValidationError('$inc needs a finite number', path);
      }
      if (op === '$unset' && value !== true) {
        throw new ValidationError('$unset values must be true', path);
      }
      // $pull removes elements equal to the value: no query operators in it
      if (op === '$pull') assertLiteral(value, path);
      if (op === '$push' && isPlainObject(value)) {
        for (const key of Object.keys(value)) {
          if (key.startsWith('$') && key !== '$each') throw unknownOperator(key, path);
        }
        if ('$each' in value && !Array.isArray(value.$each)) {
          throw new ValidationError('$each needs an array', path);
        }
      }
    }
    out[op] = operand;
  }
  // Like MongoDB, one update may not touch a path twice (`a` and `a.b` count as the same).
  const paths = Object.values(out).flatMap((operand) => Object.keys(operand));
  for (const [i, a] of paths.entries()) {
    for (const b of paths.slice(i + 1)) {
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        throw new ValidationError(`the update touches ${a} and ${b}`, 'update');
      }
    }
  }
  return out as Update;
}

/** Positions are non-empty strings that sort in log order. */
export function assertPosition(position: unknown): asserts position is string {
  if (typeof position !== 'string' || position === '') {
    throw new ValidationError('position must be a non-empty string', 'position');
  }
}
