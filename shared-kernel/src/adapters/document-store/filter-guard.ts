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
  if (!isFieldPath(path)) throw new ValidationError(`invalid field path ${JSON.stringify(path)}`, where);
}

const DOT = 46;
const DOLLAR = 36;
const UNDERSCORE = 95;

/** Non-empty parts, none starting with `$` (operators, positional paths) nor being
 *  `__proto__`; one pass over the characters, as it runs for every path of every write. */
function isFieldPath(path: string): boolean {
  if (typeof path !== 'string' || path === '' || path.charCodeAt(0) === DOLLAR) return false;
  // most paths are one plain field name
  if (!path.includes('.')) return path !== '__proto__';
  let partStart = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i === path.length ? DOT : path.charCodeAt(i);
    if (c === DOT) {
      if (i === partStart) return false;
      if (i - partStart === 9 && path.startsWith('__proto__', partStart)) return false;
      partStart = i + 1;
    } else if (c === DOLLAR && i === partStart) {
      return false;
    }
  }
  return true;
}

/** the store maintains `_id` and `_pos` itself */
const isReserved = (path: string) =>
  path.charCodeAt(0) === UNDERSCORE &&
  (path === '_id' || path === '_pos' || path.startsWith('_id.') || path.startsWith('_pos.'));

/** `a` and `b` are the same path or one lies inside the other (`a` and `a.b`). */
function overlaps(a: string, b: string): boolean {
  if (a.length === b.length) return a === b;
  if (a.length < b.length) return b.charCodeAt(a.length) === DOT && b.startsWith(a);
  return a.charCodeAt(b.length) === DOT && a.startsWith(b);
}

function clash(a: string, b: string): ValidationError {
  return new ValidationError(`the update touches ${a} and ${b}`, 'update');
}

/** Like MongoDB, one update may not touch a path twice (`a` and `a.b` count as the same). */
function assertNoOverlap(paths: string[]): void {
  if (paths.length <= 16) {
    for (let i = 0; i < paths.length; i++) {
      for (let j = i + 1; j < paths.length; j++) {
        if (overlaps(paths[i]!, paths[j]!)) throw clash(paths[i]!, paths[j]!);
      }
    }
    return;
  }
  // many paths: a path overlaps another iff it equals it or one of its dotted prefixes
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) throw clash(path, path);
    seen.add(path);
  }
  for (const path of paths) {
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
      const prefix = path.slice(0, dot);
      if (seen.has(prefix)) throw clash(prefix, path);
    }
  }
}

function assertOperand(op: string, path: string, value: unknown): void {
  if (!isFieldPath(path)) throw new ValidationError(`invalid field path ${JSON.stringify(path)}`, op);
  if (isReserved(path)) throw new ValidationError(`${path} is maintained by the store`, op);
  switch (op) {
    case '$inc':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ValidationError('$inc needs a finite number', path);
      }
      return;
    case '$unset':
      if (value !== true) throw new ValidationError('$unset values must be true', path);
      return;
    case '$pull':
      // $pull removes elements equal to the value: no query operators in it
      assertLiteral(value, path);
      return;
    case '$push':
      if (isPlainObject(value)) {
        for (const key of Object.keys(value)) {
          if (key.startsWith('$') && key !== '$each') throw unknownOperator(key, path);
        }
        if ('$each' in value && !Array.isArray(value.$each)) {
          throw new ValidationError('$each needs an array', path);
        }
      }
      return;
  }
}

/**
 * Checks an update against the port's operator list, drops empty operator objects and
 * refuses writes to `_id` / `_pos` (the store owns them), positional paths and updates
 * that touch a path twice. It runs on every projector write, so it walks each path once,
 * and returns the update itself (not a copy) when it has nothing to drop.
 */
export function normalizeUpdate(update: Update): Update {
  if (!isPlainObject(update)) throw new ValidationError('an update must be an object', 'update');
  const kept: string[] = [];
  let dropped = false;
  const paths: string[] = [];
  let dotted = false;
  for (const op of Object.keys(update)) {
    if (!UPDATE_OPERATORS.has(op)) {
      throw new ValidationError(`unsupported update operator ${op}`, 'update');
    }
    const operand = (update as Record<string, unknown>)[op];
    if (operand === undefined) {
      dropped = true;
      continue;
    }
    if (!isPlainObject(operand)) throw new ValidationError(`${op} needs an object`, op);
    const before = paths.length;
    for (const path in operand) {
      assertOperand(op, path, operand[path]);
      if (!dotted && path.includes('.')) dotted = true;
      paths.push(path);
    }
    if (paths.length === before) dropped = true;
    else kept.push(op);
  }
  // paths can only overlap across operators or through a dotted path
  if (kept.length > 1 || dotted) assertNoOverlap(paths);
  // the common update has nothing to drop: it is its own normal form
  if (!dropped) return update;
  const out: Record<string, unknown> = {};
  for (const op of kept) out[op] = (update as Record<string, unknown>)[op];
  return out as Update;
}

/** Positions are non-empty strings that sort in log order. */
export function assertPosition(position: unknown): asserts position is string {
  if (typeof position !== 'string' || position === '') {
    throw new ValidationError('position must be a non-empty string', 'position');
  }
}
