/**
 * The document store contract: every adapter runs this same suite.
 *
 * Each test uses its own collection and projector names, so the suite can run against a
 * shared server (MongoDB / FerretDB) without cleaning up between runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import type { Collection, Doc, DocumentStore, Update } from '../src/ports/document-store.js';

let counter = 0;
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
/** a collection / projector name no other test (or earlier run) uses */
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${runId}_${counter}`;
}

interface Item extends Doc {
  name?: string;
  n?: number;
  price?: number;
  qty?: number;
  tags?: string[];
  city?: string;
  address?: { city?: string; zip?: string };
  email?: string;
  [key: string]: unknown;
}

/** positions as a projector would write them: fixed width, so string order = log order */
const pos = (n: number) => n.toString().padStart(20, '0');

export interface ContractOptions {
  /** closes the store and opens it again on the same data, as a restart does (when the
   *  adapter can: the ranged-index tests then also read across a restart) */
  reopen?: (store: DocumentStore) => Promise<DocumentStore>;
}

/** a document of the ranged-index tests: a state and a due time, as the schedulers read them */
interface Due extends Doc {
  state?: unknown;
  dueAt?: string;
}
const minute = (m: number) => `2030-01-01T00:${String(m).padStart(2, '0')}:00.000Z`;

export function documentStoreContract(
  name: string,
  create: () => Promise<DocumentStore>,
  options: ContractOptions = {},
): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let store: DocumentStore;

    beforeEach(async () => {
      store = await create();
    });

    afterEach(async () => {
      await store.close();
    });

    const fresh = () => store.collection<Item>(uniqueName('c'));

    /** five documents for the query tests */
    async function seeded() {
      const c = fresh();
      const rows: Omit<Item, '_id'>[] = [
        {
          name: 'Alice',
          n: 1,
          price: 10,
          tags: ['a', 'b'],
          address: { city: 'Oslo', zip: '0150' },
        },
        {
          name: 'albert',
          n: 2,
          price: 20,
          tags: ['b'],
          address: { city: 'Bergen' },
        },
        { name: 'Bob', n: 3, price: 30, tags: [], address: { city: 'Oslo' } },
        { name: 'carol', n: 4, tags: ['c'] },
        { name: 'ALINA', n: 5, price: 50, address: { city: 'Tromsø' } },
      ];
      for (const [i, row] of rows.entries()) {
        await c.upsertAt(`d${i + 1}`, { $set: row }, pos(1));
      }
      return c;
    }
    const ids = (docs: Doc[]) => docs.map((d) => d._id);
    const sortedIds = (docs: Doc[]) => ids(docs).sort();

    it('get of a missing document is null', async () => {
      expect(await fresh().get('nope')).toBeNull();
    });

    it('collection reports its name', async () => {
      const n = uniqueName('named');
      expect(store.collection(n).name).toBe(n);
    });

    it('upsertAt creates with $set/$setOnInsert/$inc/$push/$max/$min and records _pos', async () => {
      const c = fresh();
      const applied = await c.upsertAt(
        'x',
        {
          $set: { name: 'first', 'address.city': 'Oslo' },
          $setOnInsert: { createdAt: 'p1' },
          $inc: { n: 2, 'stats.views': 1 },
          $push: { tags: 'a' },
          $max: { hi: 5 },
          $min: { lo: 3 },
        },
        pos(1),
      );
      expect(applied).toBe(true);
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(1),
        name: 'first',
        address: { city: 'Oslo' },
        createdAt: 'p1',
        n: 2,
        stats: { views: 1 },
        tags: ['a'],
        hi: 5,
        lo: 3,
      });
    });

    it('upsertAt updates with every operator; $setOnInsert only applies on creation', async () => {
      const c = fresh();
      await c.upsertAt(
        'x',
        {
          $set: { name: 'first', gone: 'soon', 'address.zip': '1' },
          $setOnInsert: { createdAt: 'p1' },
          $inc: { n: 2 },
          $push: { tags: { $each: ['a', 'b', 'c'] } },
          $max: { hi: 5 },
          $min: { lo: 3 },
        },
        pos(1),
      );
      expect(
        await c.upsertAt(
          'x',
          {
            $set: { name: 'second' },
            $setOnInsert: { createdAt: 'p2', other: true },
            $unset: { gone: true, 'address.zip': true },
            $inc: { n: 3 },
            $push: { items: { sku: 's1', qty: 1 } },
            $pull: { tags: 'b' },
            $max: { hi: 4 },
            $min: { lo: 1 },
          },
          pos(2),
        ),
      ).toBe(true);
      expect(
        await c.upsertAt(
          'x',
          {
            $max: { hi: 9 },
            $min: { lo: 2 },
            $pull: { items: { sku: 's1', qty: 1 } },
          },
          pos(3),
        ),
      ).toBe(true);
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(3),
        name: 'second',
        address: {},
        createdAt: 'p1',
        n: 5,
        tags: ['a', 'c'],
        items: [],
        hi: 9,
        lo: 1,
      });
    });

    it('$setOnInsert creates fields with null values and leaves an existing document alone', async () => {
      const c = fresh();
      await c.upsertAt('n1', { $set: { name: 'a' }, $setOnInsert: { address: null, n: 0 } }, pos(1));
      expect(await c.get('n1')).toEqual({ _id: 'n1', _pos: pos(1), name: 'a', address: null, n: 0 });
      await c.upsertAt('n1', { $set: { n: 5 } }, pos(2));
      await c.upsertAt('n1', { $set: { name: 'b' }, $setOnInsert: { address: null, n: 0 } }, pos(3));
      expect(await c.get('n1')).toEqual({ _id: 'n1', _pos: pos(3), name: 'b', address: null, n: 5 });
    });

    it('upsertAt with an empty update still creates the document and records _pos', async () => {
      const c = fresh();
      expect(await c.upsertAt('e', {}, pos(1))).toBe(true);
      expect(await c.get('e')).toEqual({ _id: 'e', _pos: pos(1) });
    });

    it('the same position applies once', async () => {
      const c = fresh();
      expect(await c.upsertAt('x', { $inc: { n: 1 }, $push: { tags: 'a' } }, pos(7))).toBe(true);
      expect(await c.upsertAt('x', { $inc: { n: 1 }, $push: { tags: 'a' } }, pos(7))).toBe(false);
      expect(await c.get('x')).toMatchObject({
        n: 1,
        tags: ['a'],
        _pos: pos(7),
      });
    });

    it('an older position is ignored, a newer one applies', async () => {
      const c = fresh();
      await c.upsertAt('x', { $set: { name: 'v5' }, $inc: { n: 1 } }, pos(5));
      expect(await c.upsertAt('x', { $set: { name: 'v3' }, $inc: { n: 1 } }, pos(3))).toBe(false);
      expect(await c.get('x')).toMatchObject({
        name: 'v5',
        n: 1,
        _pos: pos(5),
      });
      expect(await c.upsertAt('x', { $set: { name: 'v6' }, $inc: { n: 1 } }, pos(6))).toBe(true);
      expect(await c.get('x')).toMatchObject({
        name: 'v6',
        n: 2,
        _pos: pos(6),
      });
    });

    it('positions compare as strings', async () => {
      const c = fresh();
      await c.upsertAt('x', { $set: { v: 1 } }, '0000000010');
      expect(await c.upsertAt('x', { $set: { v: 2 } }, '0000000009')).toBe(false);
      expect(await c.upsertAt('x', { $set: { v: 3 } }, '0000000010:1')).toBe(true);
      expect(await c.get('x')).toMatchObject({ v: 3 });
    });

    it('concurrent upserts of one new document apply each position once', async () => {
      const c = fresh();
      const results = await Promise.all([1, 1, 2, 2, 3, 3].map((p) => c.upsertAt('x', { $inc: { n: 1 } }, pos(p))));
      // p3 always applies; p1/p2 may lose to a later position, but never apply twice
      expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      expect(results[4]! || results[5]!).toBe(true);
      expect(results[4]! && results[5]!).toBe(false);
      const doc = await c.get('x');
      expect(doc?._pos).toBe(pos(3));
      expect(doc?.n).toBe(results.filter(Boolean).length);
    });

    it('deleteAt is guarded by the position', async () => {
      const c = fresh();
      await c.upsertAt('x', { $set: { name: 'x' } }, pos(5));
      expect(await c.deleteAt('x', pos(4))).toBe(false);
      expect(await c.deleteAt('x', pos(5))).toBe(false);
      expect(await c.get('x')).not.toBeNull();
      expect(await c.deleteAt('x', pos(6))).toBe(true);
      expect(await c.get('x')).toBeNull();
      expect(await c.deleteAt('x', pos(7))).toBe(false);
      expect(await c.deleteAt('never', pos(1))).toBe(false);
    });

    it('find without a filter returns every document', async () => {
      const c = await seeded();
      expect(sortedIds(await c.find())).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
      expect(sortedIds(await c.find({}))).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    });

    it('find by equality, on _id, on an array member and on a dotted path', async () => {
      const c = await seeded();
      expect(ids(await c.find({ name: 'Bob' }))).toEqual(['d3']);
      expect(ids(await c.find({ _id: 'd2' }))).toEqual(['d2']);
      expect(sortedIds(await c.find({ tags: 'b' }))).toEqual(['d1', 'd2']);
      expect(sortedIds(await c.find({ 'address.city': 'Oslo' }))).toEqual(['d1', 'd3']);
      expect(ids(await c.find({ 'address.city': 'Oslo', n: 3 }))).toEqual(['d3']);
      expect(await c.find({ name: 'nobody' })).toEqual([]);
    });

    it('find with $eq $ne $gt $gte $lt $lte', async () => {
      const c = await seeded();
      expect(ids(await c.find({ n: { $eq: 2 } }))).toEqual(['d2']);
      // $ne also matches documents without the field
      expect(sortedIds(await c.find({ price: { $ne: 10 } }))).toEqual(['d2', 'd3', 'd4', 'd5']);
      expect(sortedIds(await c.find({ n: { $gt: 3 } }))).toEqual(['d4', 'd5']);
      expect(sortedIds(await c.find({ n: { $gte: 3 } }))).toEqual(['d3', 'd4', 'd5']);
      expect(sortedIds(await c.find({ n: { $lt: 2 } }))).toEqual(['d1']);
      expect(sortedIds(await c.find({ n: { $lte: 2 } }))).toEqual(['d1', 'd2']);
      expect(sortedIds(await c.find({ n: { $gt: 1, $lt: 4 } }))).toEqual(['d2', 'd3']);
      expect(sortedIds(await c.find({ 'address.zip': { $gte: '0100' } }))).toEqual(['d1']);
    });

    it('find with $in $nin $exists', async () => {
      const c = await seeded();
      expect(sortedIds(await c.find({ n: { $in: [1, 4, 99] } }))).toEqual(['d1', 'd4']);
      expect(sortedIds(await c.find({ 'address.city': { $in: ['Bergen', 'Tromsø'] } }))).toEqual(['d2', 'd5']);
      // $nin also matches documents without the field
      expect(sortedIds(await c.find({ 'address.city': { $nin: ['Oslo'] } }))).toEqual(['d2', 'd4', 'd5']);
      expect(sortedIds(await c.find({ price: { $exists: false } }))).toEqual(['d4']);
      expect(sortedIds(await c.find({ 'address.zip': { $exists: true } }))).toEqual(['d1']);
    });

    it('find with $regex, case-insensitive with $options i', async () => {
      const c = await seeded();
      expect(sortedIds(await c.find({ name: { $regex: '^al' } }))).toEqual(['d2']);
      expect(sortedIds(await c.find({ name: { $regex: '^al', $options: 'i' } }))).toEqual(['d1', 'd2', 'd5']);
      expect(sortedIds(await c.find({ 'address.city': { $regex: 'SL', $options: 'i' } }))).toEqual(['d1', 'd3']);
    });

    it('find with $and and $or, nested', async () => {
      const c = await seeded();
      expect(sortedIds(await c.find({ $or: [{ n: 1 }, { name: 'carol' }] }))).toEqual(['d1', 'd4']);
      expect(
        sortedIds(
          await c.find({
            $and: [{ n: { $gte: 2 } }, { 'address.city': 'Oslo' }],
          }),
        ),
      ).toEqual(['d3']);
      expect(
        sortedIds(
          await c.find({
            $and: [{ $or: [{ tags: 'b' }, { tags: 'c' }] }, { $or: [{ n: { $lt: 2 } }, { n: { $gt: 3 } }] }],
          }),
        ),
      ).toEqual(['d1', 'd4']);
    });

    it('find sorts (also on dotted paths, ties by _id), skips and limits', async () => {
      const c = await seeded();
      expect(ids(await c.find({}, { sort: { n: -1 } }))).toEqual(['d5', 'd4', 'd3', 'd2', 'd1']);
      expect(ids(await c.find({}, { sort: { n: -1 }, skip: 1, limit: 2 }))).toEqual(['d4', 'd3']);
      expect(ids(await c.find({}, { sort: { n: 1 }, limit: 2 }))).toEqual(['d1', 'd2']);
      expect(ids(await c.find({}, { sort: { n: 1 }, skip: 4 }))).toEqual(['d5']);
      expect(ids(await c.find({}, { sort: { n: 1 }, skip: 10 }))).toEqual([]);
      expect(ids(await c.find({ 'address.city': { $exists: true } }, { sort: { 'address.city': 1 } }))).toEqual([
        'd2',
        'd1',
        'd3',
        'd5',
      ]);
      expect(
        ids(await c.find({ 'address.city': { $exists: true } }, { sort: { 'address.city': -1, _id: -1 } })),
      ).toEqual(['d5', 'd3', 'd1', 'd2']);
      expect(ids(await c.find({ tags: 'b' }, { sort: { name: 1 } }))).toEqual(['d1', 'd2']);
    });

    it('count with and without a filter', async () => {
      const c = await seeded();
      expect(await c.count()).toBe(5);
      expect(await c.count({})).toBe(5);
      expect(await c.count({ 'address.city': 'Oslo' })).toBe(2);
      expect(await c.count({ n: { $gt: 10 } })).toBe(0);
      expect(await fresh().count()).toBe(0);
    });

    it('groupSum counts and sums per (dotted) group key; missing numbers count as 0', async () => {
      const c = fresh();
      const rows: Omit<Item, '_id'>[] = [
        { status: 'paid', m: { region: 'north' }, price: 10, qty: 1 },
        { status: 'paid', m: { region: 'north' }, price: 15, qty: 2 },
        { status: 'paid', m: { region: 'south' }, price: 7 },
        { status: 'held', m: { region: 'south' }, price: 100, qty: 4 },
        { status: 'paid', price: 1, qty: 1 },
      ];
      for (const [i, row] of rows.entries()) await c.upsertAt(`g${i}`, { $set: row }, pos(1));

      const groups = await c.groupSum({ status: 'paid' }, 'm.region', ['price', 'qty']);
      const byKey = Object.fromEntries(groups.map((g) => [String(g.key), g]));
      expect(groups).toHaveLength(3);
      expect(byKey.north).toEqual({
        key: 'north',
        count: 2,
        sums: { price: 25, qty: 3 },
      });
      expect(byKey.south).toEqual({
        key: 'south',
        count: 1,
        sums: { price: 7, qty: 0 },
      });
      // documents without the group field form the null group
      expect(byKey.null).toEqual({
        key: null,
        count: 1,
        sums: { price: 1, qty: 1 },
      });

      const byStatus = await c.groupSum({}, 'status', ['price']);
      expect(byStatus.map((g) => [g.key, g.count, g.sums.price]).sort()).toEqual([
        ['held', 1, 100],
        ['paid', 4, 33],
      ]);
      expect(await c.groupSum({ status: 'none' }, 'status', ['price'])).toEqual([]);
      expect(await c.groupSum({}, 'status', [])).toEqual(expect.arrayContaining([{ key: 'held', count: 1, sums: {} }]));
    });

    it('a unique index refuses a second document with the same key', async () => {
      const c = fresh();
      await c.ensureIndex({ email: 1 }, { unique: true });
      await c.ensureIndex({ email: 1 }, { unique: true }); // idempotent
      await c.upsertAt('u1', { $set: { email: 'a@example.com' } }, pos(1));
      await c.upsertAt('u2', { $set: { email: 'b@example.com' } }, pos(1));

      const err = await c.upsertAt('u3', { $set: { email: 'a@example.com' } }, pos(2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(c.name);
      expect((err as Error).message).toContain('email');
      expect(await c.get('u3')).toBeNull();

      // updating an existing document onto a taken key is refused too, and changes nothing
      await expect(c.upsertAt('u2', { $set: { email: 'a@example.com' } }, pos(2))).rejects.toThrow(c.name);
      expect(await c.get('u2')).toMatchObject({
        email: 'b@example.com',
        _pos: pos(1),
      });

      // a document keeps its own key; a freed key can be taken
      expect(await c.upsertAt('u1', { $set: { email: 'a@example.com', name: 'A' } }, pos(3))).toBe(true);
      expect(await c.deleteAt('u1', pos(4))).toBe(true);
      expect(await c.upsertAt('u3', { $set: { email: 'a@example.com' } }, pos(5))).toBe(true);
      expect(await c.count({ email: 'a@example.com' })).toBe(1);
    });

    it('a non-unique index does not restrict writes', async () => {
      const c = fresh();
      await c.ensureIndex({ city: 1, n: -1 });
      await c.upsertAt('a', { $set: { city: 'Oslo', n: 1 } }, pos(1));
      await c.upsertAt('b', { $set: { city: 'Oslo', n: 1 } }, pos(1));
      expect(sortedIds(await c.find({ city: 'Oslo' }))).toEqual(['a', 'b']);
    });

    it('filters with operators outside the port are rejected as ValidationError', async () => {
      const c = await seeded();
      const bad: Record<string, unknown>[] = [
        { $where: 'this.n > 1' },
        { $expr: { $gt: ['$n', 1] } },
        {
          n: {
            $function: {
              body: 'function() { return true }',
              args: [],
              lang: 'js',
            },
          },
        },
        { n: { $not: { $gt: 1 } } },
        { n: { $gt: 1, $elemMatch: { a: 1 } } },
        { $or: [{ n: 1 }, { $where: 'true' }] },
        { $and: [{ name: { $regex: 'a', $where: 'true' } }] },
        { $nor: [{ n: 1 }] },
        { n: { $in: [{ $gt: 1 }] } },
      ];
      for (const filter of bad) {
        await expect(c.find(filter), JSON.stringify(filter)).rejects.toBeInstanceOf(ValidationError);
        await expect(c.count(filter), JSON.stringify(filter)).rejects.toBeInstanceOf(ValidationError);
        await expect(c.groupSum(filter, 'name', ['n'])).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(c.find({ $where: 'true' })).rejects.toThrow('$where');
      await expect(c.find({ n: { $function: {} } })).rejects.toThrow('$function');
      await expect(c.find({ name: { $regex: 'a', $options: 'g' } })).rejects.toBeInstanceOf(ValidationError);
      await expect(c.find({}, { sort: { $natural: 1 } })).rejects.toBeInstanceOf(ValidationError);
    });

    it('updates with operators outside the port are rejected as ValidationError', async () => {
      const c = fresh();
      const bad: Record<string, unknown>[] = [
        { $rename: { a: 'b' } },
        { $currentDate: { at: true } },
        { $set: { _id: 'other' } },
        { $set: { _pos: 'z' } },
        { $inc: { n: 'one' } },
        { $set: { 'tags.$': 1 } },
        { $set: { tags: ['a'] }, $push: { tags: 'b' } },
        { $set: { address: {} }, $inc: { 'address.n': 1 } },
        { $set: { a: 1 }, $setOnInsert: { a: 2 } },
        { $pull: { tags: { $gt: 'a' } } },
      ];
      for (const update of bad) {
        await expect(c.upsertAt('x', update as Update, pos(1)), JSON.stringify(update)).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
      expect(await c.get('x')).toBeNull();
    });

    it('an update that does not fit the stored values fails and changes nothing', async () => {
      const c = fresh();
      await c.upsertAt('x', { $set: { tags: 'not-an-array', label: 'text', scalar: 5, v: 1 } }, pos(1));
      const bad: Update[] = [
        { $set: { v: 2 }, $push: { tags: 'a' } },
        { $set: { v: 2 }, $pull: { tags: 'a' } },
        { $set: { v: 2 }, $inc: { label: 1 } },
        { $set: { v: 2, 'scalar.inner': 1 } },
      ];
      for (const update of bad) {
        await expect(c.upsertAt('x', update, pos(2)), JSON.stringify(update)).rejects.toThrow();
      }
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(1),
        tags: 'not-an-array',
        label: 'text',
        scalar: 5,
        v: 1,
      });
    });

    it('checkpoints round trip', async () => {
      const projector = uniqueName('proj');
      expect(await store.getCheckpoint(projector)).toBeNull();
      await store.saveCheckpoint(projector, pos(10));
      expect(await store.getCheckpoint(projector)).toBe(pos(10));
      await store.saveCheckpoint(projector, pos(11));
      await store.flush();
      expect(await store.getCheckpoint(projector)).toBe(pos(11));
      expect(await store.getCheckpoint(uniqueName('proj'))).toBeNull();
    });

    it('drop removes every document; positions start over', async () => {
      const c = await seeded();
      const other = fresh();
      await other.upsertAt('keep', { $set: { n: 1 } }, pos(1));
      await c.drop();
      expect(await c.count()).toBe(0);
      expect(await c.find()).toEqual([]);
      expect(await c.get('d1')).toBeNull();
      expect(await other.get('keep')).not.toBeNull();
      // a rebuild replays from the start
      expect(await c.upsertAt('d1', { $inc: { n: 1 } }, pos(1))).toBe(true);
      expect(await c.get('d1')).toEqual({ _id: 'd1', _pos: pos(1), n: 1 });
    });

    it('insertMany adds documents with their positions, which then guard later writes', async () => {
      const c = fresh();
      const docs: Item[] = Array.from({ length: 1203 }, (_, i) => ({
        _id: `m${i}`,
        _pos: pos(10),
        n: i,
        address: { city: i % 2 ? 'Oslo' : 'Lyon' },
      }));
      await c.insertMany(docs);
      await c.insertMany([]);
      expect(await c.count()).toBe(1203);
      expect(await c.count({ 'address.city': 'Oslo' })).toBe(601);
      expect(await c.get('m1202')).toEqual({ _id: 'm1202', _pos: pos(10), n: 1202, address: { city: 'Lyon' } });
      // what the document already applied is not applied again
      expect(await c.upsertAt('m5', { $inc: { n: 1 } }, pos(10))).toBe(false);
      expect(await c.upsertAt('m5', { $inc: { n: 1 } }, pos(11))).toBe(true);
      expect(await c.get('m5')).toMatchObject({ n: 6, _pos: pos(11) });
    });

    it('insertMany refuses an existing _id and a unique index clash, naming the collection', async () => {
      const c = fresh();
      await c.ensureIndex({ email: 1 }, { unique: true });
      await c.upsertAt('u1', { $set: { email: 'a@example.com' } }, pos(1));
      await expect(c.insertMany([{ _id: 'u1', _pos: pos(2), email: 'z@example.com' }])).rejects.toThrow(c.name);
      await expect(c.insertMany([{ _id: 'u2', _pos: pos(2), email: 'a@example.com' }])).rejects.toThrow(c.name);
      expect(await c.get('u1')).toMatchObject({ email: 'a@example.com', _pos: pos(1) });
      expect(await c.get('u2')).toBeNull();
    });

    it('a unique index survives drop', async () => {
      const c = fresh();
      await c.ensureIndex({ email: 1 }, { unique: true });
      await c.upsertAt('u1', { $set: { email: 'a' } }, pos(1));
      await c.drop();
      await c.upsertAt('u2', { $set: { email: 'a' } }, pos(1));
      await expect(c.upsertAt('u3', { $set: { email: 'a' } }, pos(1))).rejects.toThrow(c.name);
    });

    it('returned documents are copies', async () => {
      const c = fresh();
      const tags = ['a'];
      const address = { city: 'Oslo' };
      await c.upsertAt('x', { $set: { tags, address } }, pos(1));
      tags.push('mutated');
      address.city = 'mutated';

      const got = (await c.get('x'))!;
      got.tags!.push('b');
      got.address!.city = 'Bergen';
      got.name = 'changed';
      const [found] = await c.find({ _id: 'x' });
      found!.tags!.push('c');
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(1),
        tags: ['a'],
        address: { city: 'Oslo' },
      });
    });

    it('values written by any operator are copies, and reads stay copies across later writes', async () => {
      const c = fresh();
      const item = { sku: 's1', tags: ['x'] };
      const meta = { source: 'web', nested: { depth: 1 } };
      const address = { city: 'Oslo', geo: { lat: 59.9 } };
      const seenAt = new Date('2030-01-02T03:04:05.000Z');
      await c.upsertAt(
        'x',
        {
          $set: { address },
          $push: { items: { $each: [item] } },
          $setOnInsert: { meta },
          $max: { seenAt },
        },
        pos(1),
      );
      item.tags.push('mutated');
      meta.nested.depth = 99;
      address.geo.lat = 0;
      seenAt.setUTCFullYear(1999);

      const first = (await c.get('x'))!;
      (first.address as { geo: { lat: number } }).geo.lat = -1;
      (first.items as { tags: string[] }[])[0]!.tags.push('reader');
      // a later write keeps what it does not touch as it was stored, not as a reader changed it
      await c.upsertAt('x', { $set: { 'address.city': 'Bergen' }, $push: { items: { sku: 's2', tags: [] } } }, pos(2));
      const [found] = await c.find({ _id: 'x' });
      (found!.meta as { nested: { depth: number } }).nested.depth = -1;
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(2),
        address: { city: 'Bergen', geo: { lat: 59.9 } },
        items: [
          { sku: 's1', tags: ['x'] },
          { sku: 's2', tags: [] },
        ],
        meta: { source: 'web', nested: { depth: 1 } },
        seenAt: new Date('2030-01-02T03:04:05.000Z'),
      });
    });

    it('an update failing on a nested field changes none of its other fields', async () => {
      const c = fresh();
      await c.upsertAt('x', { $set: { address: { city: 'Oslo', zip: '0150' }, n: 1, tags: ['a'] } }, pos(1));
      await expect(
        c.upsertAt(
          'x',
          { $set: { 'address.city': 'Bergen', name: 'new' }, $inc: { n: 1, 'address.zip': 1 }, $push: { tags: 'b' } },
          pos(2),
        ),
      ).rejects.toThrow();
      expect(await c.get('x')).toEqual({
        _id: 'x',
        _pos: pos(1),
        address: { city: 'Oslo', zip: '0150' },
        n: 1,
        tags: ['a'],
      });
    });

    describe('ranged indexes (due reads)', () => {
      /** what the store should hold, to compute each read's expected answer */
      let model: Map<string, Due>;
      let c: Collection<Due>;
      let p: number;
      const collectionName = () => c.name;

      beforeEach(() => {
        model = new Map();
        p = 0;
      });

      const write = async (id: string, set: Record<string, unknown>) => {
        expect(await c.upsertAt(id, { $set: set }, pos(++p))).toBe(true);
        model.set(id, { ...model.get(id), _id: id, _pos: pos(p), ...set });
      };
      const remove = async (id: string) => {
        expect(await c.deleteAt(id, pos(++p))).toBe(true);
        model.delete(id);
      };
      const restart = async () => {
        if (!options.reopen) return;
        const name = collectionName();
        store = await options.reopen(store);
        c = store.collection<Due>(name);
      };
      const held = (d: Due) => d.state === 'held' || (Array.isArray(d.state) && d.state.includes('held'));
      /** the ids of held documents due in (after, upTo] (any, without bounds), sorted by dueAt:
       *  a missing one first, ties by _id */
      const expected = (
        bounds: { after?: string; upTo?: string },
        dir: 1 | -1,
        skip = 0,
        limit = Infinity,
        idDir: 1 | -1 = 1,
      ): string[] => {
        const bounded = bounds.after !== undefined || bounds.upTo !== undefined;
        const due = (d: Due) =>
          !bounded ||
          (typeof d.dueAt === 'string' &&
            (bounds.after === undefined || d.dueAt > bounds.after) &&
            (bounds.upTo === undefined || d.dueAt <= bounds.upTo));
        const byDue = (a: Due, b: Due) => {
          if (a.dueAt === b.dueAt) return 0;
          if (a.dueAt === undefined) return -1;
          if (b.dueAt === undefined) return 1;
          return a.dueAt < b.dueAt ? -1 : 1;
        };
        return [...model.values()]
          .filter((d) => held(d) && due(d))
          .sort((a, b) => dir * byDue(a, b) || idDir * (a._id < b._id ? -1 : 1))
          .slice(skip, skip + limit)
          .map((d) => d._id);
      };
      /** every read shape the schedulers use, checked against the model */
      const checkReads = async () => {
        const upTo = minute(10);
        expect(ids(await c.find({ state: 'held', dueAt: { $lte: upTo } }, { sort: { dueAt: 1 }, limit: 4 }))).toEqual(
          expected({ upTo }, 1, 0, 4),
        );
        expect(
          ids(await c.find({ state: 'held', dueAt: { $lte: upTo } }, { sort: { dueAt: 1 }, skip: 2, limit: 3 })),
        ).toEqual(expected({ upTo }, 1, 2, 3));
        expect(
          ids(
            await c.find(
              { state: { $eq: 'held' }, dueAt: { $gt: minute(0), $lte: minute(12) } },
              { sort: { dueAt: -1 }, limit: 3 },
            ),
          ),
        ).toEqual(expected({ after: minute(0), upTo: minute(12) }, -1, 0, 3));
        // ties in the order the read asks
        expect(
          ids(await c.find({ state: 'held', dueAt: { $lte: upTo } }, { sort: { dueAt: 1, _id: -1 }, limit: 1 })),
        ).toEqual(expected({ upTo }, 1, 0, 1, -1));
        // the last one wanted is tied with others: ties go by _id, whatever the direction
        for (const [skip, limit] of [
          [0, 1],
          [1, 1],
        ] as const) {
          expect(
            ids(await c.find({ state: 'held', dueAt: { $lte: upTo } }, { sort: { dueAt: -1 }, skip, limit })),
          ).toEqual(expected({ upTo }, -1, skip, limit));
        }
        expect(ids(await c.find({ state: 'held', dueAt: { $lte: upTo } }, { sort: { dueAt: 1 } }))).toEqual(
          expected({ upTo }, 1),
        );
        expect(ids(await c.find({ state: 'held' }, { sort: { dueAt: 1 }, limit: 5 }))).toEqual(expected({}, 1, 0, 5));
        expect(await c.count({ state: 'held', dueAt: { $lte: upTo } })).toBe(expected({ upTo }, 1).length);
      };

      it('serve equality, range, sort and limit, with unflushed writes, deletes and changed keys', async () => {
        c = fresh() as Collection<Due>;
        await c.ensureIndex({ state: 1, dueAt: 1 }, { ranged: true });
        // 39 documents, half of them held, due times tied in groups
        for (let i = 0; i < 39; i++) {
          await write(`h${String(i).padStart(2, '0')}`, {
            state: ['held', 'confirmed', 'held', 'released'][i % 4],
            dueAt: minute(i % 13),
          });
        }
        await store.flush();
        await checkReads();
        // after a restart, not declared again: the index stays
        await restart();
        await checkReads();

        // written after the last flush: every read sees them
        await write('new', { state: 'held', dueAt: minute(0) }); // a new due document, tied first
        await write('h03', { state: 'confirmed' }); // leaves the held ones
        await write('h01', { state: 'held' }); // joins them
        await write('h06', { dueAt: minute(30) }); // no longer due
        await write('h12', { dueAt: minute(1) }); // due earlier
        await remove('h09');
        await write('arr', { state: ['held', 'x'], dueAt: minute(2) }); // held among others
        await write('nodue', { state: 'held' }); // held, no due time
        await checkReads();

        await store.flush();
        await checkReads();
        await restart();
        await checkReads();
        // and changed again, unflushed, after the restart
        await write('h12', { state: 'released' });
        await write('h15', { dueAt: minute(0) });
        await remove('new');
        await checkReads();
      });

      it('a ranged index declared over stored documents serves them too', async () => {
        c = fresh() as Collection<Due>;
        for (let i = 0; i < 20; i++) {
          await write(`d${String(i).padStart(2, '0')}`, { state: i % 2 ? 'held' : 'sent', dueAt: minute(i % 7) });
        }
        await store.flush();
        await restart();
        await write('d01', { state: 'sent' });
        await c.ensureIndex({ state: 1, dueAt: 1 }, { ranged: true });
        await c.ensureIndex({ state: 1, dueAt: 1 }, { ranged: true }); // declaring again changes nothing
        await checkReads();
        await remove('d03');
        await checkReads();
      });
    });

    it('keeps values of common JSON types', async () => {
      const c = fresh();
      const value = {
        s: 'é ✓',
        i: 42,
        f: 1.5,
        neg: -3,
        t: true,
        nil: null,
        arr: [1, 'two', { three: 3 }],
        nested: { a: { b: { c: 'deep' } } },
      };
      await c.upsertAt('x', { $set: value }, pos(1));
      expect(await c.get('x')).toEqual({ _id: 'x', _pos: pos(1), ...value });
    });
  });
}
