/**
 * A deep copy for the values the embedded document store keeps: plain objects, arrays,
 * dates and primitives are copied by hand (a booking document with its timeline ~10x
 * faster than `structuredClone`, which serialises and parses); anything else (Map, typed
 * arrays, class instances...) goes through `structuredClone`, which also refuses what the
 * store could never persist (functions, symbols).
 */

/** Past this depth the copy hands over to `structuredClone`, which also copes with cycles. */
const MAX_DEPTH = 64;

export function copyValue<T>(value: T): T {
  return copy(value, 0) as T;
}

/** Objects need a copy of their own; functions and symbols go to `copyValue` too, which
 *  refuses them. Everything else is immutable and may be shared. */
export const needsCopy = (item: unknown): boolean =>
  (typeof item === 'object' && item !== null) || typeof item === 'function' || typeof item === 'symbol';

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') {
    // functions and symbols cannot be stored: structuredClone throws its DataCloneError
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) {
    // slice (and spread below) copy in one go, holes included; only nested values need more
    const out = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item: unknown = out[i];
      if (needsCopy(item)) out[i] = copy(item, depth + 1);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype) {
    const source = value as Record<string, unknown>;
    // for-in reads the source through V8's enum cache (fast); the spread copies every
    // field in one go, and only nested values are then replaced by their copies
    let out: Record<string, unknown> | undefined;
    for (const key in source) {
      const item = source[key];
      if (!needsCopy(item) || !Object.prototype.hasOwnProperty.call(source, key)) continue;
      out ??= { ...source };
      // an own "__proto__" key stays a key: assigning it would replace the copy's prototype
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: copy(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = copy(item, depth + 1);
      }
    }
    return out ?? { ...source };
  }
  if (value instanceof Date) return new Date(value.getTime());
  return structuredClone(value);
}
