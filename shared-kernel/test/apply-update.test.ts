/**
 * The embedded store's update applier and copy, on the edges the document-store contract
 * suite does not reach: copy-on-write (the stored document is never changed, untouched
 * subtrees are shared), array index paths, BSON order in $max/$min, $pull by fields.
 */
import { describe, expect, it } from 'vitest';
import { applyUpdate, type PlainDoc } from '../src/adapters/document-store/apply-update.js';
import { copyValue } from '../src/adapters/document-store/copy-value.js';
import { normalizeUpdate } from '../src/adapters/document-store/filter-guard.js';
import { ValidationError } from '../src/errors.js';
import type { Update } from '../src/ports/document-store.js';

/** Frozen all the way down: any write to it throws (test files are ES modules, so strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const apply = (base: PlainDoc | undefined, update: Update) => applyUpdate(base, normalizeUpdate(update), 'x');

function stored(): PlainDoc {
  return deepFreeze({
    _id: 'x',
    _pos: '1',
    name: 'n',
    n: 1,
    tags: ['a', 'b', 'a'],
    address: { city: 'Oslo', geo: { lat: 59.9 } },
    items: [
      { sku: 's1', qty: 1 },
      { sku: 's2', qty: 2 },
    ],
    stats: { views: 3 },
    scalar: 5,
    nothing: null,
    at: new Date('2030-01-01T00:00:00.000Z'),
  });
}

describe('applyUpdate: copy-on-write', () => {
  it('never changes the stored document and shares what the update does not touch', () => {
    const base = stored();
    const next = apply(base, {
      $set: { 'address.city': 'Bergen', name: 'm' },
      $inc: { 'stats.views': 1, 'items.1.qty': 5 },
      $push: { tags: 'c' },
      $unset: { scalar: true },
    });
    expect(next).toEqual({
      ...base,
      name: 'm',
      address: { city: 'Bergen', geo: { lat: 59.9 } },
      stats: { views: 4 },
      items: [
        { sku: 's1', qty: 1 },
        { sku: 's2', qty: 7 },
      ],
      tags: ['a', 'b', 'a', 'c'],
      scalar: undefined,
    });
    expect('scalar' in next).toBe(false);
    // the frozen base did not throw above, and shares its untouched parts with the result
    expect(next.address).not.toBe(base.address);
    expect((next.address as PlainDoc).geo).toBe((base.address as PlainDoc).geo);
    expect((next.items as unknown[])[0]).toBe((base.items as unknown[])[0]);
    expect(next.at).toBe(base.at);
  });

  it('a failing operator throws and the stored document stays as it was', () => {
    const base = stored();
    const before = structuredClone(base);
    const bad: [Update, RegExp][] = [
      [{ $set: { 'scalar.inner': 1 } }, /cannot create field 'inner' in a non-object value at 'scalar.inner'/],
      [{ $set: { 'nothing.inner': 1 } }, /cannot create field 'inner'/],
      [{ $set: { 'at.day': 1 } }, /cannot create field 'day'/],
      [{ $set: { 'tags.first': 'z' } }, /cannot create field 'first'/],
      [{ $set: { 'items.x.qty': 1 } }, /cannot create field 'x.qty'/],
      [{ $set: { 'name.a.b': 1 } }, /cannot create field 'a.b'/],
      [{ $inc: { name: 1 } }, /\$inc: the field 'name' is not a number/],
      [{ $inc: { nothing: 1 } }, /not a number/],
      [{ $inc: { 'items.0.sku': 1 } }, /not a number/],
      [{ $push: { name: 'a' } }, /\$push: the field 'name' is not an array/],
      [{ $pull: { stats: 'a' } }, /\$pull: the field 'stats' is not an array/],
      [{ $pull: { nothing: 'a' } }, /not an array/],
    ];
    for (const [update, error] of bad) {
      // an earlier operator of the same update has run on the copy by then
      const withEarlier = { $max: { n: 100, other: 1 }, ...update };
      expect(() => apply(base, withEarlier), JSON.stringify(update)).toThrow(error);
    }
    expect(base).toEqual(before);
  });

  it('values written are copies of the caller’s', () => {
    const address = { city: 'Oslo' };
    const item = { sku: 's9', tags: ['x'] };
    const when = new Date('2031-01-01T00:00:00.000Z');
    const next = apply(undefined, {
      $set: { address },
      $push: { items: { $each: [item] } },
      $max: { when },
      $setOnInsert: { meta: { item } },
    });
    address.city = 'changed';
    item.tags.push('changed');
    when.setFullYear(1999);
    expect(next).toEqual({
      _id: 'x',
      address: { city: 'Oslo' },
      items: [{ sku: 's9', tags: ['x'] }],
      when: new Date('2031-01-01T00:00:00.000Z'),
      meta: { item: { sku: 's9', tags: ['x'] } },
    });
  });
});

describe('applyUpdate: paths', () => {
  it('creates missing objects on a dotted path, also several under one new object', () => {
    expect(apply(undefined, { $set: { 'a.b.c': 1, 'a.b.d': 2 }, $inc: { 'a.e': 3 } })).toEqual({
      _id: 'x',
      a: { b: { c: 1, d: 2 }, e: 3 },
    });
  });

  it('treats fields named like what objects inherit (constructor, toString) as missing until set', () => {
    const created = apply(undefined, { $inc: { constructor: 2 }, $push: { toString: 'a' }, $max: { valueOf: 1 } });
    expect(created).toEqual({ _id: 'x', constructor: 2, toString: ['a'], valueOf: 1 });
    expect(apply(deepFreeze(created), { $inc: { constructor: 1 }, $set: { 'hasOwnProperty.x': 1 } })).toMatchObject({
      constructor: 3,
      hasOwnProperty: { x: 1 },
    });
  });

  it('addresses array elements by index; past the end pads with null like MongoDB', () => {
    const base = stored();
    expect(apply(base, { $set: { 'tags.1': 'B' } }).tags).toEqual(['a', 'B', 'a']);
    expect(apply(base, { $set: { 'tags.5': 'z' } }).tags).toEqual(['a', 'b', 'a', null, null, 'z']);
    expect(apply(base, { $set: { 'items.3.sku': 's4' } }).items).toEqual([
      { sku: 's1', qty: 1 },
      { sku: 's2', qty: 2 },
      null,
      { sku: 's4' },
    ]);
  });

  it('$setOnInsert applies only when the document is new; $inc of a missing field sets it', () => {
    expect(apply(undefined, { $setOnInsert: { a: 1, 'b.c': 2 }, $inc: { n: 4 } })).toEqual({
      _id: 'x',
      a: 1,
      b: { c: 2 },
      n: 4,
    });
    const updated = apply(stored(), { $setOnInsert: { a: 1 }, $inc: { n: 4 } });
    expect(updated.n).toBe(5);
    expect('a' in updated).toBe(false);
  });
});

describe('applyUpdate: operators', () => {
  it('$unset removes fields (also nested), sets an array element to null, ignores what is missing', () => {
    const next = apply(stored(), {
      $unset: { name: true, 'address.geo': true, 'tags.0': true, 'tags.9': true, missing: true, 'scalar.x': true },
    });
    expect(next.name).toBeUndefined();
    expect('name' in next).toBe(false);
    expect(next.address).toEqual({ city: 'Oslo' });
    expect(next.tags).toEqual([null, 'b', 'a']);
    expect(next.scalar).toBe(5);
    expect(Object.keys(next)).toEqual([
      '_id',
      '_pos',
      'n',
      'tags',
      'address',
      'items',
      'stats',
      'scalar',
      'nothing',
      'at',
    ]);
  });

  it('$push appends one value or $each, and creates the array', () => {
    const next = apply(stored(), { $push: { tags: { $each: ['c', 'd'] }, fresh: 1, 'address.list': { $each: [] } } });
    expect(next.tags).toEqual(['a', 'b', 'a', 'c', 'd']);
    expect(next.fresh).toEqual([1]);
    expect((next.address as PlainDoc).list).toEqual([]);
  });

  it('$pull removes every equal literal, documents by their fields, and nothing when missing', () => {
    const base = stored();
    expect(apply(base, { $pull: { tags: 'a' } }).tags).toEqual(['b']);
    expect(apply(base, { $pull: { tags: 'z' } }).tags).toBe(base.tags);
    // like MongoDB: a document removes the elements that have those fields with those values
    expect(apply(base, { $pull: { items: { sku: 's1' } } }).items).toEqual([{ sku: 's2', qty: 2 }]);
    expect(apply(base, { $pull: { items: { sku: 's1', qty: 2 } } }).items).toEqual(base.items);
    expect(apply(base, { $pull: { missing: 'a', 'deep.missing': 'a' } })).toEqual(base);
    expect(apply({ _id: 'x', n: [1, 2, 1, '1'] }, { $pull: { n: 1 } }).n).toEqual([2, '1']);
  });

  it('$max and $min compare numbers, strings and dates, and set a missing field', () => {
    const base = deepFreeze({ _id: 'x', n: 5, s: 'm', d: new Date('2030-01-01T00:00:00.000Z') });
    const up = apply(base, {
      $max: { n: 7, s: 'z', d: new Date('2031-01-01T00:00:00.000Z'), fresh: 1 },
    });
    expect(up).toMatchObject({ n: 7, s: 'z', d: new Date('2031-01-01T00:00:00.000Z'), fresh: 1 });
    const kept = apply(base, { $max: { n: 4, s: 'a', d: new Date('2029-01-01T00:00:00.000Z') } });
    expect(kept).toEqual(base);
    const down = apply(base, { $min: { n: 4, s: 'a', d: new Date('2029-01-01T00:00:00.000Z'), fresh: 1 } });
    expect(down).toMatchObject({ n: 4, s: 'a', d: new Date('2029-01-01T00:00:00.000Z'), fresh: 1 });
    expect(apply(base, { $min: { n: 6, s: 'z' } })).toEqual(base);
  });

  it('$max and $min order different types as MongoDB does (null < numbers < strings < objects)', () => {
    const base = deepFreeze({ _id: 'x', num: 5, str: 'a', nil: null });
    expect(apply(base, { $max: { num: 'text', str: 99, nil: 0 } })).toMatchObject({ num: 'text', str: 'a', nil: 0 });
    expect(apply(base, { $min: { num: 'text', str: 99, nil: 0 } })).toMatchObject({ num: 5, str: 99, nil: null });
  });
});

describe('normalizeUpdate: paths touched twice', () => {
  const refused = (update: Update) => expect(() => normalizeUpdate(update)).toThrow(ValidationError);

  it('refuses the same path or a path inside another, in one operator or across them', () => {
    refused({ $set: { a: 1, 'a.b': 2 } });
    refused({ $set: { 'a.b': 1 }, $unset: { 'a.b': true } });
    refused({ $set: { 'a.b.c': 1 }, $inc: { 'a.b': 1 } });
    expect(() => normalizeUpdate({ $set: { ab: 1, 'a.b': 2 }, $inc: { 'a.bc': 1, a_b: 1 } })).not.toThrow();
  });

  it('also with many paths', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]));
    expect(() => normalizeUpdate({ $set: many, $inc: { g: 1, 'h.i': 1 } })).not.toThrow();
    refused({ $set: many, $inc: { f39: 1 } });
    refused({ $set: many, $inc: { 'f7.x': 1 } });
    refused({ $set: { ...many, 'f7.x': 1 } });
  });

  it('refuses __proto__ anywhere in a path, and keeps empty operators out', () => {
    refused({ $set: { __proto__x: 1, ['__proto__']: 1 } } as Update);
    refused({ $set: { 'a.__proto__.b': 1 } });
    refused({ $inc: { 'a.__proto__': 1 } });
    expect(normalizeUpdate({ $set: { __proto_: 1, 'a.__proto__x': 1 } })).toEqual({
      $set: { __proto_: 1, 'a.__proto__x': 1 },
    });
    expect(normalizeUpdate({ $set: {}, $inc: { n: 1 }, $unset: undefined })).toEqual({ $inc: { n: 1 } });
  });
});

describe('copyValue', () => {
  it('copies plain objects, arrays and dates deeply, holes included', () => {
    // eslint-disable-next-line no-sparse-arrays
    const value = { a: [1, { b: new Date(5) }, , 'x'], c: { d: { e: null } } };
    const copy = copyValue(value);
    expect(copy).toEqual(value);
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[1]).not.toBe(value.a[1]);
    expect((copy.a[1] as { b: Date }).b).not.toBe((value.a[1] as { b: Date }).b);
    expect((copy.a[1] as { b: Date }).b).toBeInstanceOf(Date);
    expect(2 in copy.a).toBe(false);
    expect(copy.c.d).not.toBe(value.c.d);
  });

  it('hands other types to structuredClone, which refuses functions', () => {
    const map = new Map([['k', { v: 1 }]]);
    const copy = copyValue({ map, bytes: new Uint8Array([1, 2]) });
    expect(copy.map).toEqual(map);
    expect(copy.map).not.toBe(map);
    expect(copy.bytes).toEqual(new Uint8Array([1, 2]));
    expect(() => copyValue({ f: () => 1 })).toThrow();
    expect(() => copyValue([Symbol('s')])).toThrow();
  });

  it('keeps an own __proto__ key as a key and copes with cycles', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = copyValue(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();

    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const copied = copyValue(cyclic);
    expect(copied.name).toBe('loop');
    expect(copied.self).not.toBe(cyclic);
  });
});
