/**
 * The embedded document store: every document lives in memory (one Map per collection)
 * and is persisted to a SQLite file by `flush()` (as JSON text, or v8's serialisation
 * when JSON would not keep it exactly: document-body.ts).
 *
 * Writes only mark the document id dirty. `flush()` writes the dirty documents and the
 * checkpoints saved since the previous flush in ONE transaction (WAL, synchronous=NORMAL),
 * so the file always holds a read model exactly as of its checkpoint: a crash loses the
 * unflushed writes and their checkpoint together, and the projector resumes from the
 * checkpoint it finds. Opening the file reads only the checkpoints; each collection's
 * documents are read back into memory when first used (lazy-documents.ts).
 *
 * Queries, sorting and grouping are mingo's. Updates are applied copy-on-write by
 * `applyUpdate`: a write stores a new document object and never changes a stored one, so
 * a failing write leaves the store as it was; reads hand out copies (`copyValue`).
 *
 * Reads scan the collection's Map, or only the documents a non-unique index's first field
 * allows when the filter asks that field to equal a string (equality-index.ts); unique
 * indexes are kept as in-memory key maps. Both are declared again after every open, as the
 * projectors do at start. A ranged index (`{ ranged: true }`) is kept in the file instead
 * (ranged-index.ts): while a collection is not all in memory, a read it serves reads only
 * the rows it selects, and the collection is not loaded.
 *
 * A flush of many documents (a catch-up's batch) is committed by a worker thread with its
 * own connection (flush-writer.ts) while the caller goes on: this thread encodes the
 * documents and hands them over with the checkpoints, and `flush()` resolves once they are
 * committed. Until every handed-over flush is committed, the next ones go the same way (in
 * order), and this connection writes nothing (ranged indexes wait). A failed commit puts its
 * documents and checkpoints back to be written by the next flush.
 */
import fs from 'node:fs';
import path from 'node:path';
import { serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { Aggregator, Query } from 'mingo';
import { resolve } from 'mingo/util';
import type {
  Collection,
  Doc,
  DocumentStore,
  Filter,
  FindOptions,
  GroupSum,
  IndexOptions,
  Update,
} from '../../ports/document-store.js';
import { applyUpdate } from './apply-update.js';
import { copyValue } from './copy-value.js';
import { decodeBody, encodeBody } from './document-body.js';
import { LazyDocuments, type DocumentSource } from './lazy-documents.js';
import { SqliteWalCheckpointer } from '../sqlite-wal-checkpointer.js';
import { EqualityIndex, equalityOperand } from './equality-index.js';
import { bestPlan, keyRow, MAX_RANGED_FIELDS, RangedIndexes, type RangedIndex } from './ranged-index.js';
import { FlushWriter, SkippedFlushError, type FlushBatch } from './flush-writer.js';
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
  /** flushes of at least this many documents are committed by the flush writer thread
   *  (default 2000; Infinity: never). Environment EMBEDDED_FLUSH_WRITER=off: never */
  backgroundFlushRows?: number;
}

/** `$where`, `$function` and `$accumulator` stay off even if a filter got past the guard. */
const MINGO_OPTIONS = { scriptEnabled: false } as const;

type StoredDoc = Record<string, unknown> & Doc;

/** flushes of at least this many documents are committed by the flush writer (a live
 *  flush of a few documents costs less on this thread than the hand-over) */
const BACKGROUND_FLUSH_ROWS = 2000;

interface UniqueIndex {
  fields: string[];
  /** index key -> document id */
  entries: Map<string, string>;
}

class CollectionState {
  /** read from the file on first use (lazy-documents.ts) */
  readonly docs: LazyDocuments<StoredDoc>;
  /** ids written or deleted since the last flush */
  readonly dirty = new Set<string>();
  /** every persisted row goes at the next flush (drop) */
  dropped = false;
  readonly uniqueIndexes: UniqueIndex[] = [];
  /** non-unique indexes, by their first field (equality-index.ts) */
  readonly equalityIndexes: EqualityIndex[] = [];
  /** indexes kept in the file, maintained by every flush (ranged-index.ts) */
  readonly rangedIndexes: RangedIndex[];
  constructor(
    readonly name: string,
    stored: DocumentSource<StoredDoc> | null,
    ranged: readonly RangedIndex[],
  ) {
    this.docs = new LazyDocuments(stored);
    this.rangedIndexes = [...ranged];
  }
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

class EmbeddedCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly state: CollectionState,
    private readonly isOpen: () => void,
    private readonly ranged: RangedIndexes,
  ) {}

  get name(): string {
    return this.state.name;
  }

  async get(id: string): Promise<T | null> {
    this.isOpen();
    const doc = this.state.docs.get(id);
    return doc ? (copyValue(doc) as unknown as T) : null;
  }

  async upsertAt(id: string, update: Update, position: string): Promise<boolean> {
    this.isOpen();
    assertPosition(position);
    const normalized = normalizeUpdate(update);
    const existing = this.state.docs.get(id);
    if (existing && existing._pos !== undefined && existing._pos >= position) return false;

    // A new object sharing what the update does not touch: a failing operator or a unique
    // violation leaves the stored document as it was.
    const doc = applyUpdate(existing, normalized, id) as StoredDoc;
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
    const query = new Query(filter, MINGO_OPTIONS);
    const ranged = await this.rangedCandidates(filter, options, query);
    if (!ranged) {
      const loading = this.state.docs.whenComplete();
      if (loading) await loading;
    }
    let cursor = query.find<StoredDoc>(ranged ?? this.candidates(filter)).sort(stableSort(options.sort));
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all().map((doc) => copyValue(doc) as unknown as T);
  }

  async count(filter: Filter = {}): Promise<number> {
    this.isOpen();
    assertFilter(filter);
    const query = new Query(filter, MINGO_OPTIONS);
    const ranged = await this.rangedCandidates(filter, {}, query);
    if (!ranged) {
      const loading = this.state.docs.whenComplete();
      if (loading) await loading;
    }
    let n = 0;
    for (const doc of ranged ?? this.candidates(filter)) if (query.test(doc)) n++;
    return n;
  }

  /**
   * The candidates a ranged index selects from the file and memory, or null when no ranged
   * index narrows the filter. Also when memory holds the whole collection: answering from
   * memory alone scans every document (a scheduler's due read of capacity_holds every second:
   * 13-73 ms at 1k-50k holds, against 0.4-0.6 ms through the index).
   */
  private async rangedCandidates(filter: Filter, options: FindOptions, query: Query): Promise<StoredDoc[] | null> {
    const plan = bestPlan(this.state.rangedIndexes, filter, options);
    if (!plan) return null;
    const building = plan.index.whenBuilt();
    if (building) await building;
    // the file's rows are read as of the last commit: none may be in flight (dirty ids only
    // cover what was not handed over)
    for (let writing = this.ranged.otherWriter(); writing; writing = this.ranged.otherWriter()) await writing;
    this.isOpen();
    return plan.index.candidates(plan, this.state.docs, this.state.dirty, (doc) => query.test(doc));
  }

  /** The documents a filter may match: an equality index's bucket when one applies, else all. */
  private candidates(filter: Filter): Iterable<StoredDoc> {
    for (const index of this.state.equalityIndexes) {
      const value = equalityOperand(filter, index.field);
      if (value === undefined) continue;
      if (!index.isBuilt) index.build(this.state.docs.values());
      const docs: StoredDoc[] = [];
      for (const id of index.candidates(value)) docs.push(this.state.docs.get(id)!);
      return docs;
    }
    return this.state.docs.values();
  }

  async groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]> {
    this.isOpen();
    assertFilter(filter);
    assertFieldPath(groupBy, 'groupBy');
    sumFields.forEach((f) => assertFieldPath(f, 'sumFields'));
    const loading = this.state.docs.whenComplete();
    if (loading) await loading;
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

  async ensureIndex(fields: Record<string, 1 | -1>, options: IndexOptions = {}): Promise<void> {
    this.isOpen();
    const names = Object.keys(fields);
    if (names.length === 0) throw new Error('ensureIndex needs at least one field');
    names.forEach((f) => assertFieldPath(f, 'index'));
    if (options.ranged) {
      if (options.unique) throw new Error('a ranged index cannot be unique');
      if (names.length > MAX_RANGED_FIELDS) throw new Error(`a ranged index has at most ${MAX_RANGED_FIELDS} fields`);
      for (let writing = this.ranged.otherWriter(); writing; writing = this.ranged.otherWriter()) await writing;
      const index = this.ranged.declare(this.state.name, names);
      if (!this.state.rangedIndexes.includes(index)) this.state.rangedIndexes.push(index);
      const building = index.whenBuilt();
      if (building) await building;
    }
    // A non-unique index narrows equality queries on its first field (built on first use).
    if (!options.unique) {
      if (!this.state.equalityIndexes.some((ix) => ix.field === names[0])) {
        this.state.equalityIndexes.push(new EqualityIndex(names[0]!));
      }
      return;
    }
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
      this.replace(doc._id, undefined, copyValue(doc) as StoredDoc);
    }
  }

  async drop(): Promise<void> {
    this.isOpen();
    this.state.docs.clear();
    this.state.dirty.clear();
    this.state.dropped = true;
    for (const index of this.state.uniqueIndexes) index.entries.clear();
    for (const index of this.state.equalityIndexes) index.clear();
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
    for (const index of this.state.equalityIndexes) index.add(next);
    this.state.docs.set(id, next);
    this.state.dirty.add(id);
  }

  private unindex(doc: StoredDoc): void {
    for (const index of this.state.uniqueIndexes) {
      const key = indexKey(doc, index.fields);
      if (index.entries.get(key) === doc._id) index.entries.delete(key);
    }
    for (const index of this.state.equalityIndexes) index.remove(doc);
  }
}

export class EmbeddedDocumentStore implements DocumentStore {
  private readonly db: Database.Database;
  /** WAL checkpoints off the event loop's thread (none for ':memory:') */
  private readonly walCheckpointer: SqliteWalCheckpointer | undefined;
  private readonly collections = new Map<string, CollectionState>();
  private readonly handles = new Map<string, EmbeddedCollection<Doc>>();
  private readonly checkOpen = () => this.assertOpen();
  private readonly checkpoints = new Map<string, string>();
  /** checkpoints saved since the last flush */
  private readonly dirtyCheckpoints = new Set<string>();
  private closed = false;
  private readonly flushTx: () => void;
  /** commits large flushes on a worker thread (undefined: not started yet; null: not used) */
  private writer: FlushWriter | null | undefined;
  /** flushes handed to the writer, not yet committed (oldest first) */
  private inFlight: Promise<void>[] = [];
  /** a handed-over flush failed: the writer is reset once every later one is answered */
  private writerFailed = false;
  private readonly backgroundFlushRows: number;
  /** the collections the file held at open, and how to read their documents (set by load) */
  private stored = new Set<string>();
  private source!: (collection: string) => DocumentSource<StoredDoc>;
  /** the file's ranged indexes (set by load) */
  private ranged!: RangedIndexes;

  constructor(options: EmbeddedDocumentStoreOptions) {
    if (options.path !== ':memory:') {
      fs.mkdirSync(path.dirname(path.resolve(options.path)), {
        recursive: true,
      });
    }
    this.db = new Database(options.path);
    this.backgroundFlushRows =
      process.env.EMBEDDED_FLUSH_WRITER === 'off' ? Infinity : (options.backgroundFlushRows ?? BACKGROUND_FLUSH_ROWS);
    // documents are a few hundred bytes each: 16 KiB pages take a flush's rows with about a
    // third less CPU than the default 4 KiB (applies to a new file only; existing keep theirs)
    this.db.pragma('page_size = 16384');
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
    this.walCheckpointer = SqliteWalCheckpointer.attach(this.db);

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
          if (doc) upsertDoc.run(state.name, id, encodeBody(doc));
          else if (!state.dropped) deleteDoc.run(state.name, id);
        }
        // the ranged indexes' keys change with their documents, in the same transaction
        for (const index of state.rangedIndexes) {
          if (state.dropped) this.ranged.clear(index);
          for (const id of state.dirty) this.ranged.write(index, id, state.docs.get(id));
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
    // one handle per collection: projectors ask for it on every event
    let handle = this.handles.get(name);
    if (!handle) {
      handle = new EmbeddedCollection<Doc>(this.state(name), this.checkOpen, this.ranged);
      this.handles.set(name, handle);
    }
    return handle as unknown as Collection<T>;
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
    // a flush the writer skipped (an earlier one failed, and that failure went to its own
    // caller) put its writes back: they go again, once those before are answered
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.flushOnce();
      } catch (err) {
        if (!(err instanceof SkippedFlushError) || attempt >= 3) throw err;
      }
    }
  }

  private async flushOnce(): Promise<void> {
    // after a failed commit, what it put back goes with this flush once the flushes handed
    // over before are answered (the writer skips them until then)
    for (let writing = this.writerFailed ? this.whenWritten() : null; writing; writing = this.whenWritten()) {
      await writing;
    }
    if (this.inFlight.length === 0 && this.pendingRows() < this.backgroundFlushRows) {
      this.flushNow();
      return;
    }
    const writer = this.inFlight.length > 0 ? this.writer : this.startWriter();
    if (!writer) {
      this.flushNow();
      return;
    }
    const committed = this.pending() ? this.flushToWriter(writer) : this.inFlight[this.inFlight.length - 1]!;
    await committed;
  }

  /** null when no flush is in flight; else a promise that settles once none is */
  private whenWritten(): Promise<void> | null {
    if (this.inFlight.length === 0) return null;
    return this.inFlight[this.inFlight.length - 1]!.then(
      () => undefined,
      () => undefined,
    );
  }

  private pending(): boolean {
    return this.dirtyCheckpoints.size > 0 || [...this.collections.values()].some((s) => s.dropped || s.dirty.size > 0);
  }

  private pendingRows(): number {
    let rows = 0;
    for (const state of this.collections.values()) rows += state.dirty.size;
    return rows;
  }

  /** The flush writer, started on the first large flush; null for ':memory:' or when it
   *  cannot run (then flushes stay on this thread). */
  private startWriter(): FlushWriter | null {
    if (this.writer === undefined) {
      this.writer = null;
      if (!this.db.memory && this.db.name !== '') {
        this.writer = new FlushWriter(this.db.name, this.db.pragma('synchronous', { simple: true }) as number);
      }
    }
    if (this.writer?.broken) this.writer = null;
    return this.writer;
  }

  /** Encodes what is pending into one batch, hands it to the writer and clears it here; a
   *  failed commit puts it back. */
  private flushToWriter(writer: FlushWriter): Promise<void> {
    const batch: FlushBatch = {
      drops: [],
      names: [],
      ids: [],
      bodies: [],
      rangedClear: [],
      rangedDelete: [],
      rangedUpsert: [],
      checkpoints: [],
    };
    for (const state of this.collections.values()) {
      if (state.dropped) batch.drops.push(state.name);
      for (const id of state.dirty) {
        const doc = state.docs.get(id);
        if (!doc && state.dropped) continue;
        batch.names.push(state.name);
        batch.ids.push(id);
        batch.bodies.push(doc ? encodeBody(doc) : null);
      }
      for (const index of state.rangedIndexes) {
        if (state.dropped) batch.rangedClear.push(index.id);
        for (const id of state.dirty) {
          const doc = state.docs.get(id);
          if (doc) batch.rangedUpsert.push(index.id, id, ...keyRow(index, doc));
          else batch.rangedDelete.push(index.id, id);
        }
      }
    }
    for (const projector of this.dirtyCheckpoints) {
      batch.checkpoints.push(projector, this.checkpoints.get(projector)!);
    }
    const autocheckpoint = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
    const written = writer.write(batch, autocheckpoint);
    // what a failure puts back: the ids, not the bodies (memory has the documents)
    const sent = { drops: batch.drops, names: batch.names, ids: batch.ids, checkpoints: batch.checkpoints };
    for (const state of this.collections.values()) {
      state.dirty.clear();
      state.dropped = false;
    }
    this.dirtyCheckpoints.clear();
    const settled: Promise<void> = written.then(
      () => this.settle(settled, undefined),
      (err: unknown) => {
        this.settle(settled, () => this.putBack(sent));
        throw err;
      },
    );
    this.inFlight.push(settled);
    // (a failure is reported to whoever awaits this flush or a later one)
    settled.catch(() => undefined);
    return settled;
  }

  /** Takes a settled flush off the list; after a failure, resets the writer once every
   *  flush handed over before that failure is answered. */
  private settle(flush: Promise<void>, putBack: (() => void) | undefined): void {
    this.inFlight = this.inFlight.filter((f) => f !== flush);
    if (putBack) {
      putBack();
      this.writerFailed = true;
    }
    if (this.writerFailed && this.inFlight.length === 0) {
      this.writerFailed = false;
      this.writer?.reset();
    }
  }

  /** Marks a batch that was not committed as pending again (memory holds its documents as
   *  they are now, which the next flush writes, with the checkpoints as they are then). */
  private putBack(batch: Pick<FlushBatch, 'drops' | 'names' | 'ids' | 'checkpoints'>): void {
    for (const name of batch.drops) this.state(name).dropped = true;
    for (let i = 0; i < batch.ids.length; i++) this.state(batch.names[i]!).dirty.add(batch.ids[i]!);
    for (let i = 0; i < batch.checkpoints.length; i += 2) this.dirtyCheckpoints.add(batch.checkpoints[i]!);
  }

  /** Flushes what is pending (a graceful stop loses nothing), then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      // what failed in flight is pending again: written here
      for (let writing = this.whenWritten(); writing; writing = this.whenWritten()) await writing;
      this.flushNow();
    } finally {
      this.closed = true;
      await this.writer?.close();
      await this.walCheckpointer?.close();
      this.db.close();
    }
  }

  private flushNow(): void {
    if (!this.pending()) return;
    // Runs synchronously: no other call can interleave, so clearing afterwards is exact.
    this.flushTx();
    for (const state of this.collections.values()) {
      state.dirty.clear();
      state.dropped = false;
    }
    this.dirtyCheckpoints.clear();
  }

  /**
   * Reads the checkpoints and which collections the file holds; their documents are read
   * when first used (a restart costs nothing per stored document).
   */
  private load(): void {
    // the distinct collections by walking the primary key, not the rows
    const names = this.db
      .prepare(
        `WITH RECURSIVE c(name) AS (
           SELECT min(collection) FROM documents
           UNION ALL SELECT (SELECT min(collection) FROM documents WHERE collection > c.name) FROM c
           WHERE c.name IS NOT NULL)
         SELECT name FROM c WHERE name IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    this.stored = new Set(names);
    // a body is JSON text or a v8 BLOB (document-body.ts)
    type Body = string | Buffer;
    const one = this.db
      .prepare<[string, string], Body>('SELECT body FROM documents WHERE collection = ? AND id = ?')
      .pluck();
    const all = this.db.prepare<[string], [string, Body]>('SELECT id, body FROM documents WHERE collection = ?').raw();
    const firstPage = this.db
      .prepare<[string, number], [string, Body]>(
        'SELECT id, body FROM documents WHERE collection = ? ORDER BY id LIMIT ?',
      )
      .raw();
    const nextPage = this.db
      .prepare<[string, string, number], [string, Body]>(
        'SELECT id, body FROM documents WHERE collection = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .raw();
    this.source = (collection) => ({
      one: (id) => {
        const body = one.get(collection, id);
        return body === undefined ? undefined : decodeBody<StoredDoc>(body);
      },
      *all() {
        for (const [id, body] of all.iterate(collection)) yield [id, decodeBody<StoredDoc>(body)];
      },
      page: (afterId, limit) =>
        (afterId === null ? firstPage.all(collection, limit) : nextPage.all(collection, afterId, limit)).map(
          ([id, body]): [string, StoredDoc] => [id, decodeBody<StoredDoc>(body)],
        ),
    });
    const checkpoints = this.db.prepare('SELECT projector, position FROM checkpoints').all() as {
      projector: string;
      position: string;
    }[];
    for (const row of checkpoints) this.checkpoints.set(row.projector, row.position);
    this.ranged = new RangedIndexes(this.db, this.checkOpen, () => this.whenWritten());
  }

  private state(name: string): CollectionState {
    let state = this.collections.get(name);
    if (!state) {
      // a collection the file does not hold starts complete: nothing to read on a miss
      state = new CollectionState(name, this.stored.has(name) ? this.source(name) : null, this.ranged.of(name));
      this.collections.set(name, state);
    }
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the document store is closed');
  }
}
