/**
 * The stored events this process has already found valid, so that the many consumers
 * decoding one event (every projector and reactor, the command side reloading its stream)
 * validate it once. An entry is keyed by the event id and pins a private copy of the exact
 * content that was found valid: other content under the same id is validated again.
 * Bounded; the oldest entries are forgotten first.
 *
 * Copies cost (about what validating costs, mostly in the garbage collector), so an event
 * decoded for the first time is only noted, without a copy: its content is pinned when it
 * is decoded again (a second consumer), or at once when the command side appends it here.
 * A rebuild, which decodes each event once, thus copies nothing.
 *
 * Why equal content may reuse the verdict: validation is a function of the data's JSON-like
 * structure only (its own keys, the values under them, arrays' elements). The copy keeps
 * exactly that. It leaves out keys whose value is undefined: every rule reads an absent key
 * and an undefined value alike, and the whitelist can only refuse keys, never miss one, so
 * valid content stays valid without them (stored JSON drops them too, so reads match).
 */

type Plain = Record<string, unknown>;

interface Entry {
  readonly type: string;
  readonly data: unknown;
}

/** slots of the table of event ids decoded once (a power of two) */
const NOTED_SLOTS = 8192;

/** FNV-1a of the id, never 0 (0 marks an empty slot) */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** deeper content than this is not remembered (and cannot be cyclic) */
const MAX_DEPTH = 32;
const NOT_PLAIN = Symbol('not plain data');

function isPlainObject(v: object): v is Plain {
  return Object.getPrototypeOf(v) === Object.prototype;
}

/** A copy of JSON-like data (plain objects, arrays, primitives), or NOT_PLAIN. */
function copyPlain(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? NOT_PLAIN : value;
  }
  if (depth >= MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      // holes and undefined elements are told apart by class-transformer: not remembered
      if (element === undefined) return NOT_PLAIN;
      const c = copyPlain(element, depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = c;
    }
    return copy;
  }
  if (!isPlainObject(value)) return NOT_PLAIN;
  const copy: Plain = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return NOT_PLAIN;
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function' || typeof v === 'symbol') return NOT_PLAIN;
      copy[key] = v;
      continue;
    }
    const c = copyPlain(v, depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = c;
  }
  return copy;
}

/** true when `value` is exactly the content of the pinned copy */
function sameContent(pinned: unknown, value: unknown): boolean {
  if (typeof pinned !== 'object' || pinned === null) return Object.is(pinned, value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pinned)) {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return false;
    if (value.length !== pinned.length) return false;
    // a hole reads as undefined, which no pinned element is
    for (let i = 0; i < pinned.length; i++) if (!sameContent(pinned[i], value[i])) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  const p = pinned as Plain;
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || !Object.hasOwn(p, key)) return false;
    if (!sameContent(p[key], value[key])) return false;
    keys++;
  }
  let pinnedKeys = 0;
  for (const _ in p) pinnedKeys++;
  return keys === pinnedKeys;
}

/**
 * Keeps the latest `capacity / 2` to `capacity` pinned events: two generations of maps, the
 * older dropped whole when the newer is full (no per-entry deletes, which are slow on a Map
 * that churns). Events decoded once are noted by a hash of their id in a fixed table, which
 * keeps nothing alive for the garbage collector: a clash of hashes only pins content one
 * decode early, or a decode later — never a verdict for other content.
 */
export class ValidatedContentMemo {
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  private readonly generationSize: number;
  private readonly noted = new Uint32Array(NOTED_SLOTS);

  constructor(readonly capacity: number) {
    this.generationSize = Math.max(1, Math.ceil(capacity / 2));
  }

  /** true when `data` of `type` under `eventId` is content found valid before */
  holds(eventId: string, type: string, data: unknown): boolean {
    const entry = this.current.get(eventId) ?? this.previous.get(eventId);
    return entry !== undefined && entry.type === type && sameContent(entry.data, data);
  }

  /** Remembers content found valid (content that is not plain data is not remembered). */
  remember(eventId: string, type: string, data: unknown): void {
    if (this.capacity <= 0) return;
    const copy = copyPlain(data, 0);
    if (copy === NOT_PLAIN) return;
    this.current.set(eventId, { type, data: copy });
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  /** Content found valid on a decode: noted the first time, remembered from the second. */
  decodedValid(eventId: string, type: string, data: unknown): void {
    if (this.capacity <= 0) return;
    const h = idHash(eventId);
    const slot = h & (NOTED_SLOTS - 1);
    if (this.noted[slot] === h || this.current.has(eventId) || this.previous.has(eventId)) {
      this.remember(eventId, type, data);
    } else {
      this.noted[slot] = h;
    }
  }
}
