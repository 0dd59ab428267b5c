import { describe, expect, it } from 'vitest';
import { HoldExpiries } from '../../src/booking/hold-expiries.js';

/** deterministic pseudo-random numbers (a test that fails must fail again) */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const id = (n: number) => `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

describe('HoldExpiries', () => {
  it('counts the units of holds expiring after `now`, as a scan of every hold would', () => {
    const rnd = random(7);
    const holds = new Map<string, { quantity: number; expiresAt: number }>();
    let index = HoldExpiries.empty;
    for (let step = 0; step < 3000; step++) {
      const bookingId = id(Math.floor(rnd() * 500));
      const held = holds.get(bookingId);
      if (held && rnd() < 0.5) {
        index = index.remove(bookingId, held);
        holds.delete(bookingId);
      } else if (!held) {
        // few distinct instants, so many holds share an expiry
        const hold = { quantity: 1 + Math.floor(rnd() * 5), expiresAt: 1000 * Math.floor(rnd() * 20) };
        index = index.add(bookingId, hold);
        holds.set(bookingId, hold);
      }
      if (step % 50 === 0) {
        for (const now of [-1, 0, 999, 1000, 1001, 9000, 19_000, 20_000]) {
          let live = 0;
          for (const h of holds.values()) if (h.expiresAt > now) live += h.quantity;
          expect(index.unitsLiveAt(now)).toBe(live);
        }
        expect(index.units).toBe([...holds.values()].reduce((s, h) => s + h.quantity, 0));
      }
    }
  });

  it('a hold expiring exactly at `now` is no longer live', () => {
    const index = HoldExpiries.empty
      .add(id(1), { quantity: 2, expiresAt: 5000 })
      .add(id(2), { quantity: 3, expiresAt: 5001 });
    expect(index.unitsLiveAt(4999)).toBe(5);
    expect(index.unitsLiveAt(5000)).toBe(3);
    expect(index.unitsLiveAt(5001)).toBe(0);
  });

  it('a hold whose expiry is not a number is never live, and can still be removed', () => {
    const index = HoldExpiries.empty
      .add(id(1), { quantity: 2, expiresAt: Number.NaN })
      .add(id(2), { quantity: 1, expiresAt: 10 });
    expect(index.unitsLiveAt(-1e15)).toBe(1);
    expect(index.units).toBe(3);
    expect(index.remove(id(1), { expiresAt: Number.NaN }).units).toBe(1);
  });

  it('is persistent: earlier versions are unchanged by later adds and removes', () => {
    const a = HoldExpiries.empty.add(id(1), { quantity: 1, expiresAt: 100 });
    const b = a.add(id(2), { quantity: 4, expiresAt: 200 });
    const c = b.remove(id(1), { expiresAt: 100 });
    expect([a.unitsLiveAt(0), b.unitsLiveAt(0), c.unitsLiveAt(0)]).toEqual([1, 5, 4]);
    // removing what is not there changes nothing
    expect(c.remove(id(9), { expiresAt: 100 })).toBe(c);
    expect(c.remove(id(2), { expiresAt: 201 })).toBe(c);
  });

  it('one set of holds gives the same tree whatever order they were added in', () => {
    const holds = Array.from({ length: 300 }, (_, n) => ({
      bookingId: id(n),
      quantity: 1 + (n % 4),
      expiresAt: (n * 37) % 101,
    }));
    const forwards = holds.reduce((t, h) => t.add(h.bookingId, h), HoldExpiries.empty);
    const backwards = [...holds].reverse().reduce((t, h) => t.add(h.bookingId, h), HoldExpiries.empty);
    const viaRemovals = [...holds, { bookingId: id(1000), quantity: 9, expiresAt: 50 }]
      .reduce((t, h) => t.add(h.bookingId, h), HoldExpiries.empty)
      .remove(id(1000), { expiresAt: 50 });
    expect(backwards).toEqual(forwards);
    expect(viaRemovals).toEqual(forwards);
  });

  it('stays shallow for holds added in expiry order (the usual case: now + hold minutes)', () => {
    let index = HoldExpiries.empty;
    for (let n = 0; n < 50_000; n++) index = index.add(id(n), { quantity: 1, expiresAt: 1_000_000 + n });
    const depth = (node: unknown): number => {
      const n = node as { left: unknown; right: unknown } | null;
      return n ? 1 + Math.max(depth(n.left), depth(n.right)) : 0;
    };
    // a balanced tree of 50,000 nodes is 16 deep; a treap's expected depth is a small multiple
    expect(depth((index as unknown as { root: unknown }).root)).toBeLessThan(60);
    expect(index.unitsLiveAt(1_000_000 + 25_000)).toBe(24_999);
  });

  it('is left out of JSON views of a state', () => {
    const state = { confirmedUnits: 1, expiries: HoldExpiries.empty.add(id(1), { quantity: 1, expiresAt: 1 }) };
    expect(JSON.parse(JSON.stringify(state))).toEqual({ confirmedUnits: 1 });
  });
});
