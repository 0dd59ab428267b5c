/**
 * The port's update operators for the embedded document store, applied copy-on-write.
 *
 * `applyUpdate` returns a NEW document: it shallow-copies the stored document and every
 * container on a path it writes, and shares every other subtree with it. The stored
 * document is never changed, so an operator that does not fit the stored values throws
 * and leaves it exactly as it was, and no whole-document copy is needed for that. Values
 * written are deep copies of the caller's, so later changes to them do not reach the store.
 *
 * Semantics are MongoDB's (and were mingo's before this replaced it on the write path):
 * a dotted path creates missing objects on the way (an array index past the end pads with
 * null); `$inc` of a missing field sets it; `$push` takes `{ $each: [...] }`; `$pull`
 * removes the elements matching the value (a literal: equality; a document: its fields);
 * `$max`/`$min` compare across types in BSON order; `$unset` of an array element sets it
 * to null. MongoDB refuses an operator that does not fit the stored value (a field inside
 * a non-object, `$inc` of a non-number, `$push`/`$pull` on a non-array): so does this.
 *
 * The update must have passed `normalizeUpdate` (operators, paths, conflicts).
 */
import { Query } from 'mingo';
import { compare } from 'mingo/util';
import type { Update } from '../../ports/document-store.js';
import { copyValue, needsCopy } from './copy-value.js';

export type PlainDoc = Record<string, unknown>;
type Container = Record<string, unknown> | unknown[];

/** `$where`, `$function` and `$accumulator` stay off (same options as the store's queries). */
const MINGO_OPTIONS = { scriptEnabled: false } as const;

const isIndex = (part: string) => /^\d+$/.test(part);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function read(container: Container, key: string): unknown {
  if (Array.isArray(container)) return container[Number(key)];
  const value = container[key];
  // what a plain object inherits (toString, constructor...) are functions, which no
  // document holds: only then is the (slower) own-property check needed
  return typeof value === 'function' && !Object.prototype.hasOwnProperty.call(container, key) ? undefined : value;
}

function write(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) {
    const index = Number(key);
    while (container.length < index) container.push(null);
    container[index] = value;
  } else {
    container[key] = value;
  }
}

function notAnObject(op: string, path: string, rest: string): Error {
  return new Error(`${op}: cannot create field '${rest}' in a non-object value at '${path}'`);
}

/** BSON order, with the common same-type cases inline */
function order(a: unknown, b: unknown): number {
  if (typeof a === typeof b && (typeof a === 'number' || typeof a === 'string')) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  return compare(a, b);
}

/** What `$pull` removes: a primitive value by strict equality, anything else as mingo
 *  (MongoDB) matches it, built once per update and only when needed. */
function pullPredicate(spec: unknown): (element: unknown) => boolean {
  let query: ((element: unknown) => boolean) | undefined;
  const viaQuery = (element: unknown) => {
    if (!query) {
      if (isPlainObject(spec)) {
        const q = new Query(spec, MINGO_OPTIONS);
        query = (e) => q.test(e as Record<string, unknown>);
      } else {
        const q = new Query({ k: spec }, MINGO_OPTIONS);
        query = (e) => q.test({ k: e });
      }
    }
    return query(element);
  };
  const simple =
    typeof spec === 'string' || typeof spec === 'boolean' || (typeof spec === 'number' && !Number.isNaN(spec));
  if (!simple) return viaQuery;
  // an array element matches when it contains the value: mingo's job
  return (element) => (typeof element === 'object' && element !== null ? viaQuery(element) : element === spec);
}

class CopyOnWrite {
  doc: PlainDoc;
  /** containers this update created or copied: the only ones it may change */
  private readonly owned: object[] = [];
  /** the last part of the path `target` last resolved, and where its container sits */
  key = '';
  private parent: Container | null = null;
  private parentKey = '';

  constructor(base: PlainDoc | undefined, id: string, seed: Seed | undefined) {
    if (base) {
      this.doc = { ...base };
    } else if (seed) {
      // the operands' fields in one literal; then the values that need a copy of their own
      this.doc = { _id: id, ...seed.$set, ...seed.$setOnInsert, ...seed.$inc };
      if (seed.$set) this.copyFields(seed.$set);
      if (seed.$setOnInsert) this.copyFields(seed.$setOnInsert);
    } else {
      this.doc = { _id: id };
    }
  }

  /** Replaces the fields of `operand` that hold objects by copies of their own. */
  private copyFields(operand: Record<string, unknown>): void {
    for (const key in operand) {
      const value = operand[key];
      if (needsCopy(value)) this.doc[key] = copyValue(value);
    }
  }

  /**
   * The container that holds the last part of `path` (then in `key`), owned by this update
   * (copied from the stored document where needed); null when the path cannot hold a value
   * (missing and `create` is off, or through a non-object when `strict` is off).
   */
  target(op: string, path: string, create: boolean, strict: boolean): Container | null {
    let container: Container = this.doc;
    let parent: Container | null = null;
    let parentKey = '';
    let start = 0;
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', start)) {
      const part = path.slice(start, dot);
      if (Array.isArray(container) && !isIndex(part)) {
        if (strict) throw notAnObject(op, path, path.slice(start));
        return null;
      }
      let child = read(container, part);
      if (child === undefined) {
        if (!create) return null;
        child = {};
        this.owned.push(child as object);
        write(container, part, child);
      } else if (Array.isArray(child) || isPlainObject(child)) {
        if (!this.owned.includes(child)) {
          child = Array.isArray(child) ? child.slice() : { ...child };
          this.owned.push(child as object);
          write(container, part, child);
        }
      } else {
        if (strict) throw notAnObject(op, path, path.slice(dot + 1));
        return null;
      }
      parent = container;
      parentKey = part;
      container = child as Container;
      start = dot + 1;
    }
    const key = start === 0 ? path : path.slice(start);
    if (Array.isArray(container) && !isIndex(key)) {
      if (strict) throw notAnObject(op, path, key);
      return null;
    }
    this.key = key;
    this.parent = parent;
    this.parentKey = parentKey;
    return container;
  }

  /**
   * Removes `key` from the object `target` last returned. The object is rebuilt without it
   * rather than `delete`d from: V8 turns an object with a deleted field into a dictionary,
   * which every later copy of the document would pay for (~10x).
   */
  removeKey(container: Record<string, unknown>, key: string): void {
    const { [key]: _removed, ...rest } = container;
    this.owned.push(rest);
    if (this.parent) write(this.parent, this.parentKey, rest);
    else this.doc = rest;
  }
}

function applyOperator(cow: CopyOnWrite, op: string, operand: Record<string, unknown>): void {
  for (const path of Object.keys(operand)) {
    const value = operand[path];
    const strict = op !== '$unset';
    const create = op !== '$unset' && op !== '$pull';
    const container = cow.target(op, path, create, strict);
    if (!container) continue;
    const key = cow.key;
    switch (op) {
      case '$set':
      case '$setOnInsert':
        write(container, key, copyValue(value));
        break;
      case '$inc': {
        const current = read(container, key);
        if (current === undefined) write(container, key, value);
        else if (typeof current === 'number') write(container, key, current + (value as number));
        else throw new Error(`$inc: the field '${path}' is not a number`);
        break;
      }
      case '$max':
        if (order(read(container, key), value) < 0) write(container, key, copyValue(value));
        break;
      case '$min': {
        const current = read(container, key);
        if (current === undefined || order(current, value) > 0) write(container, key, copyValue(value));
        break;
      }
      case '$push': {
        const items =
          isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, '$each')
            ? (value.$each as unknown[])
            : [value];
        const current = read(container, key);
        if (current !== undefined && !Array.isArray(current)) {
          throw new Error(`$push: the field '${path}' is not an array`);
        }
        const next = current ? current.slice() : [];
        for (const item of items) next.push(copyValue(item));
        write(container, key, next);
        break;
      }
      case '$pull': {
        const current = read(container, key);
        if (current === undefined) break;
        if (!Array.isArray(current)) throw new Error(`$pull: the field '${path}' is not an array`);
        const matches = pullPredicate(value);
        const kept = current.filter((element) => !matches(element));
        if (kept.length !== current.length) write(container, key, kept);
        break;
      }
      case '$unset':
        if (Array.isArray(container)) {
          if (Number(key) < container.length) container[Number(key)] = null;
        } else if (Object.prototype.hasOwnProperty.call(container, key)) {
          cow.removeKey(container, key);
        }
        break;
      default:
        throw new Error(`unsupported update operator ${op}`);
    }
  }
}

/**
 * The document `base` becomes with `update` (`base` undefined: a new document `{ _id: id }`,
 * which alone takes `$setOnInsert`). `base` is left unchanged, also when this throws.
 */
export function applyUpdate(base: PlainDoc | undefined, update: Update, id: string): PlainDoc {
  const seed = base ? undefined : seedOf(update);
  const cow = new CopyOnWrite(base, id, seed);
  for (const op of Object.keys(update)) {
    const operand = update[op as keyof Update];
    if (operand === undefined || (seed && operand === seed[op as keyof Seed])) continue;
    if (op === '$setOnInsert' && base) continue;
    applyOperator(cow, op, operand);
  }
  return cow.doc;
}

/** Operands whose fields a new document takes as they are (`$inc` of a missing field sets it). */
type Seed = Partial<Record<(typeof SEED_OPERATORS)[number], Record<string, unknown>>>;
const SEED_OPERATORS = ['$set', '$setOnInsert', '$inc'] as const;

/**
 * What a new document starts from, as one object literal with spreads: V8 keeps such an
 * object in fast mode, while one grown field by field past ~16 fields turns into a
 * dictionary, which then costs ~10x more to copy on every later write and read. Operands
 * with a dotted path are applied after it, one path at a time.
 */
function seedOf(update: Update): Seed | undefined {
  const seed: Seed = {};
  let any = false;
  for (const op of SEED_OPERATORS) {
    const operand = update[op];
    if (operand && topLevelOnly(operand)) {
      seed[op] = operand;
      any = true;
    }
  }
  return any ? seed : undefined;
}

function topLevelOnly(operand: Record<string, unknown>): boolean {
  for (const path in operand) if (path.includes('.')) return false;
  return true;
}
