/**
 * How the embedded store keeps a document in its SQLite file. A document made only of
 * JSON values is stored as JSON text: JSON.stringify and JSON.parse are several times
 * faster than v8.serialize/deserialize for these small documents, and a rebuild or a
 * restart writes or reads every one of them. A document holding anything JSON would change
 * (a Date, undefined, -0, NaN, a Map...) is stored with v8.serialize as a BLOB, which keeps
 * it exactly. The stored type tells them apart (TEXT: JSON, BLOB: v8), so files written
 * before JSON bodies existed read as they did.
 */
import { deserialize, serialize } from 'node:v8';

/** past this depth a document goes to v8 (which also copes with any depth JSON would) */
const MAX_DEPTH = 64;

/** true when JSON.parse(JSON.stringify(value)) gives back exactly `value` */
function jsonExact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        // a hole reads as undefined, which is refused like an undefined element
        for (let i = 0; i < value.length; i++) if (!jsonExact(value[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.prototype.hasOwnProperty.call(record, key)) return false;
        if (!jsonExact(record[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      // undefined (JSON drops it), bigint, function, symbol
      return false;
  }
}

/** The stored form of `doc`: JSON text when that is exact, else v8's serialisation. */
export function encodeBody(doc: object): string | Buffer {
  return jsonExact(doc, 0) ? JSON.stringify(doc) : serialize(doc);
}

/** The document a stored body holds (JSON text or a v8 BLOB). */
export function decodeBody<T>(body: string | Buffer): T {
  return (typeof body === 'string' ? JSON.parse(body) : deserialize(body)) as T;
}
