import { describe, expect, it } from 'vitest';
import { version as uuidVersion } from 'uuid';
import { isUuid, newId, uuidV7Generator } from '../src/primitives/ids.js';

/** the Unix milliseconds a UUIDv7 carries */
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
/** the 26-bit counter that follows the version nibble */
const counterOf = (id: string) => {
  const hex = id.replace(/-/g, '');
  return (parseInt(hex.slice(13, 16), 16) << 14) | (parseInt(hex.slice(16, 20), 16) & 0x3fff);
};

describe('ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the time they were made', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(isUuid(id)).toBe(true);
    expect(uuidVersion(id)).toBe(7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it('sort in the order they were made, across many refills of the random pool', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keep their order within one millisecond and when the clock steps back', () => {
    let clock = 1_700_000_000_000;
    const next = uuidV7Generator({ now: () => clock });
    const a = next();
    const b = next();
    clock -= 5_000;
    const c = next();
    expect([a, b, c].sort()).toEqual([a, b, c]);
    expect(msOf(c)).toBe(1_700_000_000_000);
    expect(counterOf(b)).toBe(counterOf(a) + 1);
    clock += 10_000;
    const d = next();
    expect(msOf(d)).toBe(clock);
    expect(d > c).toBe(true);
  });

  it('move to the next millisecond when the counter of one runs out', () => {
    const clock = 1_700_000_000_000;
    // random bytes of all ones: the counter starts at its highest seed, half its range
    const next = uuidV7Generator({ now: () => clock, fillRandom: (b) => b.fill(0xff), counterMax: 0xfff });
    const first = next();
    expect(counterOf(first)).toBe(0x7ff);
    let last = first;
    for (let i = 0; i < 0x800; i++) last = next();
    expect(counterOf(last)).toBe(0xfff);
    const rolled = next();
    expect(msOf(rolled)).toBe(clock + 1);
    expect(counterOf(rolled)).toBe(0);
    expect(rolled > last).toBe(true);
  });

  it('start each millisecond below half the full 26-bit counter', () => {
    let clock = 1_700_000_000_000;
    const next = uuidV7Generator({ now: () => clock++, fillRandom: (b) => b.fill(0xff) });
    expect(counterOf(next())).toBe(2 ** 25 - 1);
  });

  it('take their random bits from the CSPRNG pool', () => {
    const fills: number[] = [];
    const next = uuidV7Generator({
      fillRandom: (b) => {
        fills.push(b.length);
        b.fill(0xab);
      },
    });
    const id = next();
    expect(id.slice(-12)).toBe('abababababab');
    for (let i = 0; i < 300; i++) next();
    // 4096 bytes, 6 per id and 4 more per new millisecond: one refill per few hundred ids
    expect(fills.length).toBeGreaterThanOrEqual(1);
    expect(fills.length).toBeLessThanOrEqual(3);
  });
});
