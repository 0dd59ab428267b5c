import { randomFillSync } from 'node:crypto';
import { validate as isUuid } from 'uuid';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 26-bit counter (the 12 `rand_a` bits
 * and the first 14 bits of `rand_b`) that starts at a random value below 2^25 each
 * millisecond and counts up within it, then 48 random bits. Ids made by one process sort in
 * the order they were made, even within a millisecond or when the clock steps back (the
 * last timestamp is kept; a counter that runs out moves it one millisecond on).
 *
 * Random bytes come from a pooled buffer refilled by the CSPRNG: one `randomFillSync` per
 * 256 ids rather than one per id, which cost more than everything else an id needs.
 */
export function uuidV7Generator(
  options: {
    now?: () => number;
    fillRandom?: (buffer: Uint8Array) => void;
    /** the counter's highest value (tests lower it to reach a rollover quickly) */
    counterMax?: number;
  } = {},
): () => string {
  const { now = Date.now, fillRandom = randomFillSync, counterMax = 0x3ffffff } = options;
  const seedMask = counterMax >>> 1;
  const pool = new Uint8Array(4096);
  let at = pool.length;
  let lastMs = -1;
  let counter = 0;
  return () => {
    if (at + 10 > pool.length) {
      fillRandom(pool);
      at = 0;
    }
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      counter = ((pool[at]! << 24) | (pool[at + 1]! << 16) | (pool[at + 2]! << 8) | pool[at + 3]!) & seedMask;
      at += 4;
    } else if (++counter > counterMax) {
      lastMs++;
      counter = 0;
    }
    const hi = Math.floor(lastMs / 0x10000); // the timestamp's first 32 bits
    const lo = lastMs % 0x10000;
    const r = at;
    at += 6;
    return (
      HEX[hi >>> 24]! +
      HEX[(hi >>> 16) & 0xff]! +
      HEX[(hi >>> 8) & 0xff]! +
      HEX[hi & 0xff]! +
      '-' +
      HEX[lo >>> 8]! +
      HEX[lo & 0xff]! +
      '-' +
      HEX[0x70 | (counter >>> 22)]! +
      HEX[(counter >>> 14) & 0xff]! +
      '-' +
      HEX[0x80 | ((counter >>> 8) & 0x3f)]! +
      HEX[counter & 0xff]! +
      '-' +
      HEX[pool[r]!]! +
      HEX[pool[r + 1]!]! +
      HEX[pool[r + 2]!]! +
      HEX[pool[r + 3]!]! +
      HEX[pool[r + 4]!]! +
      HEX[pool[r + 5]!]!
    );
  };
}

const nextId = uuidV7Generator();

/** Time-ordered (UUIDv7) ids keep the event id index append-mostly and cheap. */
export function newId(): string {
  return nextId();
}

export { isUuid };
