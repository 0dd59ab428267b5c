/**
 * The embedded document store: every document lives in memory (one Map per collection)
 * and is persisted to a SQLite file by `flush()`.
 *
 * Writes only mark the document id dirty. `flush()` writes the dirty documents and the
 * checkpoints saved since the previous flush in ONE transaction (WAL, synchronous=NORMAL),
 * so the file always holds a read model exactly as of its checkpoint: a crash loses the
 * unflushed writes and their checkpoint together, and the projector resumes from the
 * checkpoint it finds. Opening the file loads everything back into memory.
 *
 * Queries, sorting, grouping and update operators are mingo's; `$setOnInsert` (which
 * mingo lacks) is folded into `$set` when the document is created.
 *
 * Reads scan the collection's Map (non-unique indexes are accepted and ignored); unique
 * indexes are kept as in-memory key maps and are declared again after every open, as the
 * projectors do at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { Aggregator, Query } from 'mingo';
import { $inc, $max, $min, $pull, $push, $set, $unset } from 'mingo/operators/update';
import { resolve } from 'mingo/util';
import type {
  Collection,
  Doc,
  DocumentStore,
  Filter,
  FindOptions,
  GroupSum,
  Update,
} from '../../ports/document-store.js';
import {
  assertFieldPath,
  assertFilter,
  assertFindOptions,
  assertPosition,
  normalizeUpdate,
  stableSort,
} from './filter-guard.js';

export interface EmbeddedDocumentStoreOptions {
  /** SQLite file (its directory is created), or ':memory:' for a store that is never persisted */
  path: string | ':memory:';
}

/** `$where`, `$function` and `$accumulator` stay off even if a filter got past the guard. */
const MINGO_OPTIONS = { scriptEnabled: false } as const;

/**
 * mingo's update operators, called one by one: its `update()` rebuilds an operator context
 * on every call (~150 µs), which capped projection at a few thousand writes per second.
 * Conflicting paths across operators are refused by `normalizeUpdate` instead.
 */
const UPDATE_OPERATORS: Record<string, (expr: Record<string, unknown>) => (doc: object) => unknown> = {
  $set,
  $unset,
  $inc,
  $push,
  $pull,
  $max,
  $min,
} as never;

type StoredDoc = Record<string, unknown> & Doc;

interface UniqueIndex {
  fields: string[];
  /** index key -> document id */
  entries: Map<string, string>;
}

class CollectionState {
  readonly docs = new Map<string, StoredDoc>();
  /** ids written or deleted since the last flush */
  readonly dirty = new Set<string>();
  /** every persisted row goes at the next flush (drop) */
  dropped = false;
  readonly uniqueIndexes: UniqueIndex[] = [];
  constructor(readonly name: string) {}
}

function indexKey(doc: StoredDoc, fields: readonly string[]): string {
  // Like MongoDB, a missing field is indexed as null.
  const values = fields.map((f) => resolve(doc, f) ?? null);
  // fast path for the common single string key; anything else keeps its type via v8
  if (values.length === 1 && typeof values[0] === 'string') return `s${values[0]}`;
  return `v${serialize(values).toString('base64')}`;
}

function describeKey(doc: StoredDoc, fields: readonly string[]): string {
  const key = Object.fromEntries(fields.map((f) => [f, resolve(doc, f) ?? null]));
  try {
    return JSON.stringify(key);
  } catch {
    return fields.join(', ');
  }
}

function duplicateKeyError(collection: string, doc: StoredDoc, fields: readonly string[]): Error {
  return new Error(
    `duplicate key in collection "${collection}": unique index on ${fields.join(', ')} already has ${describeKey(doc, fields)}`,
  );
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof RegExp);
}

/**
 * mingo silently skips an operator that does not fit the stored value; MongoDB refuses the
 * whole update. Refuse it here too, so a projection bug shows on the embedded default.
 */
function assertApplicable(doc: StoredDoc, modifier: Update): void {
  for (const [op, operand] of Object.entries(modifier) as [string, Record<string, unknown>][]) {
    if (op === '$unset') continue;
    for (const fieldPath of Object.keys(operand)) {
      const parts = fieldPath.split('.');
      let value: unknown = doc;
      for (const [i, part] of parts.entries()) {
        if (value === undefined) break;
        if (!isObjectLike(value) || (Array.isArray(value) && !/^\d+$/.test(part))) {
          throw new Error(
            `${op}: cannot create field '${parts.slice(i).join('.')}' in a non-object value at '${fieldPath}'`,
          );
        }
        value = (value as Record<string, unknown>)[part];
      }
      if (value === undefined) continue;
      if ((op === '$push' || op === '$pull') && !Array.isArray(value)) {
        throw new Error(`${op}: the field '${fieldPath}' is not an array`);
      }
      if (op === '$inc' && typeof value !== 'number') {
        throw new Error(`$inc: the field '${fieldPath}' is not a number`);
      }
    }
  }
}

class EmbeddedCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly state: CollectionState,
    private readonly isOpen: () => void,
  ) {}

  get name(): string {
    return this.state.name;
  }

  async get(id: string): Promise<T | null> {
    this.isOpen();
    const doc = this.state.docs.get(id);
    return doc ? (structuredClone(doc) as unknown as T) : null;
  }

  async upsertAt(id: string, update: Update, position: string): Promise<boolean> {
    this.isOpen();
    assertPosition(position);
    const normalized = normalizeUpdate(update);
    const existing = this.state.docs.get(id);
    if (existing && existing._pos !== undefined && existing._pos >= position) return false;

    const { $setOnInsert, ...modifier } = structuredClone(normalized);
    if (!existing && $setOnInsert) modifier.$set = { ...modifier.$set, ...$setOnInsert };
    // Work on a copy: a failing operator or a unique violation leaves the stored doc as it was.
    const doc: StoredDoc = existing ? structuredClone(existing) : { _id: id };
    if (Object.keys(modifier).length > 0) {
      assertApplicable(doc, modifier);
      for (const [op, expr] of Object.entries(modifier)) {
        UPDATE_OPERATORS[op]!(expr as Record<string, unknown>)(doc);
      }
    }
    doc._id = id;
    doc._pos = position;
    this.replace(id, existing, doc);
    return true;
  }

  async deleteAt(id: string, position: string): Promise<boolean> {
    this.isOpen();
    assertPosition(position);
    const existing = this.state.docs.get(id);
    if (!existing) return false;
    if (existing._pos !== undefined && existing._pos >= position) return false;
    this.unindex(existing);
    this.state.docs.delete(id);
    this.state.dirty.add(id);
    return true;
  }

  async find(filter: Filter = {}, options: FindOptions = {}): Promise<T[]> {
    this.isOpen();
    assertFilter(filter);
    assertFindOptions(options);
    let cursor = new Query(filter, MINGO_OPTIONS)
      .find<StoredDoc>(this.state.docs.values())
      .sort(stableSort(options.sort));
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all().map((doc) => structuredClone(doc) as unknown as T);
  }

  async count(filter: Filter = {}): Promise<number> {
    this.isOpen();
    assertFilter(filter);
    const query = new Query(filter, MINGO_OPTIONS);
    let n = 0;
    for (const doc of this.state.docs.values()) if (query.test(doc)) n++;
    return n;
  }

  async groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]> {
    this.isOpen();
    assertFilter(filter);
    assertFieldPath(groupBy, 'groupBy');
    sumFields.forEach((f) => assertFieldPath(f, 'sumFields'));
    // Output names s0, s1... because a $group output field may not contain dots.
    const group: Record<string, unknown> = {
      _id: `$${groupBy}`,
      count: { $sum: 1 },
    };
    sumFields.forEach((f, i) => (group[`s${i}`] = { $sum: `$${f}` }));
    const query = new Query(filter, MINGO_OPTIONS);
    const matching = [...this.state.docs.values()].filter((doc) => query.test(doc));
    const rows = new Aggregator([{ $group: group }, { $sort: { _id: 1 } }], MINGO_OPTIONS).run(matching);
    return rows.map((row) => ({
      key: structuredClone(row._id ?? null),
      count: row.count as number,
      sums: Object.fromEntries(sumFields.map((f, i) => [f, (row[`s${i}`] as number) ?? 0])),
    }));
  }

  async ensureIndex(fields: Record<string, 1 | -1>, options: { unique?: boolean } = {}): Promise<void> {
    this.isOpen();
    const names = Object.keys(fields);
    if (names.length === 0) throw new Error('ensureIndex needs at least one field');
    names.forEach((f) => assertFieldPath(f, 'index'));
    // Non-unique indexes are a no-op: reads scan the in-memory Map.
    if (!options.unique) return;
    const same = this.state.uniqueIndexes.find(
      (ix) => ix.fields.length === names.length && ix.fields.every((f, i) => f === names[i]),
    );
    if (same) return;
    const index: UniqueIndex = { fields: names, entries: new Map() };
    for (const doc of this.state.docs.values()) {
      const key = indexKey(doc, names);
      if (index.entries.has(key)) throw duplicateKeyError(this.state.name, doc, names);
      index.entries.set(key, doc._id);
    }
    this.state.uniqueIndexes.push(index);
  }

  async insertMany(docs: readonly T[]): Promise<void> {
    this.isOpen();
    for (const doc of docs) {
      if (typeof doc._id !== 'string' || doc._id === '') throw new Error('insertMany: every document needs an _id');
      if (doc._pos !== undefined) assertPosition(doc._pos);
      if (this.state.docs.has(doc._id)) {
        throw duplicateKeyError(this.state.name, doc as StoredDoc, ['_id']);
      }
      this.replace(doc._id, undefined, structuredClone(doc) as StoredDoc);
    }
  }

  async drop(): Promise<void> {
    this.isOpen();
    this.state.docs.clear();
    this.state.dirty.clear();
    this.state.dropped = true;
    for (const index of this.state.uniqueIndexes) index.entries.clear();
  }

  private replace(id: string, previous: StoredDoc | undefined, next: StoredDoc): void {
    const keys: string[] = [];
    for (const index of this.state.uniqueIndexes) {
      const key = indexKey(next, index.fields);
      const owner = index.entries.get(key);
      if (owner !== undefined && owner !== id) {
        throw duplicateKeyError(this.state.name, next, index.fields);
      }
      keys.push(key);
    }
    if (previous) this.unindex(previous);
    this.state.uniqueIndexes.forEach((index, i) => index.entries.set(keys[i]!, id));
    this.state.docs.set(id, next);
    this.state.dirty.add(id);
  }

  private unindex(doc: StoredDoc): void {
    for (const index of this.state.uniqueIndexes) {
      const key = indexKey(doc, index.fields);
      if (index.entries.get(key) === doc._id) index.entries.delete(key);
    }
  }
}

export class EmbeddedDocumentStore implements DocumentStore {
  private readonly db: Database.Database;
  private readonly collections = new Map<string, CollectionState>();
  private readonly checkpoints = new Map<string, string>();
  /** checkpoints saved since the last flush */
  private readonly dirtyCheckpoints = new Set<string>();
  private closed = false;
  private readonly flushTx: () => void;

  constructor(options: EmbeddedDocumentStoreOptions) {
    if (options.path !== ':memory:') {
      fs.mkdirSync(path.dirname(path.resolve(options.path)), {
        recursive: true,
      });
    }
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // Read models can always be rebuilt from the event log, so they do not pay an fsync per
    // flush: WAL with synchronous=NORMAL never corrupts and keeps each flush (documents and
    // checkpoints together) atomic; a power cut can only lose the last flushes, which the
    // projectors then re-apply from the older checkpoint. The event store stays FULL.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS checkpoints (
        projector TEXT PRIMARY KEY,
        position TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
    this.load();

    const upsertDoc = this.db.prepare(
      'INSERT INTO documents (collection, id, body) VALUES (?, ?, ?) ' +
        'ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body',
    );
    const deleteDoc = this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
    const dropCollection = this.db.prepare('DELETE FROM documents WHERE collection = ?');
    const upsertCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (projector, position) VALUES (?, ?) ' +
        'ON CONFLICT (projector) DO UPDATE SET position = excluded.position',
    );
    this.flushTx = this.db.transaction(() => {
      for (const state of this.collections.values()) {
        if (state.dropped) dropCollection.run(state.name);
        for (const id of state.dirty) {
          const doc = state.docs.get(id);
          if (doc) upsertDoc.run(state.name, id, serialize(doc));
          else if (!state.dropped) deleteDoc.run(state.name, id);
        }
      }
      for (const projector of this.dirtyCheckpoints) {
        upsertCheckpoint.run(projector, this.checkpoints.get(projector)!);
      }
    });
  }

  collection<T extends Doc>(name: string): Collection<T> {
    this.assertOpen();
    if (typeof name !== 'string' || name === '') throw new Error('a collection needs a name');
    return new EmbeddedCollection<T>(this.state(name), () => this.assertOpen());
  }

  async getCheckpoint(projector: string): Promise<string | null> {
    this.assertOpen();
    return this.checkpoints.get(projector) ?? null;
  }

  async saveCheckpoint(projector: string, position: string): Promise<void> {
    this.assertOpen();
    assertPosition(position);
    this.checkpoints.set(projector, position);
    this.dirtyCheckpoints.add(projector);
  }

  async flush(): Promise<void> {
    this.assertOpen();
    this.flushNow();
  }

  /** Flushes what is pending (a graceful stop loses nothing), then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.flushNow();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }

  private flushNow(): void {
    const pending =
      this.dirtyCheckpoints.size > 0 || [...this.collections.values()].some((s) => s.dropped || s.dirty.size > 0);
    if (!pending) return;
    // Runs synchronously: no other call can interleave, so clearing afterwards is exact.
    this.flushTx();
    for (const state of this.collections.values()) {
      state.dirty.clear();
      state.dropped = false;
    }
    this.dirtyCheckpoints.clear();
  }

  private load(): void {
    const rows = this.db.prepare('SELECT collection, id, body FROM documents').iterate() as IterableIterator<{
      collection: string;
      id: string;
      body: Buffer;
    }>;
    for (const row of rows) {
      this.state(row.collection).docs.set(row.id, deserialize(row.body) as StoredDoc);
    }
    const checkpoints = this.db.prepare('SELECT projector, position FROM checkpoints').all() as {
      projector: string;
      position: string;
    }[];
    for (const row of checkpoints) this.checkpoints.set(row.projector, row.position);
  }

  private state(name: string): CollectionState {
    let state = this.collections.get(name);
    if (!state) {
      state = new CollectionState(name);
      this.collections.set(name, state);
    }
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the document store is closed');
  }
}
