/**
 * The MongoDB document store (also runs against FerretDB, which speaks the same wire
 * protocol but has no transactions, no change streams and only `$sum`/`$count` in
 * `$group`).
 *
 * Idempotency does not rely on transactions: `upsertAt` writes only when the document's
 * `_pos` is older than the write's position (or absent), so a replayed event changes
 * nothing. Every document write is acknowledged by the server when it returns; `flush()`
 * writes the checkpoints saved since the last one, in one command.
 *
 * FerretDB 1.24 (SQLite backend) differs from MongoDB in two ways this adapter absorbs,
 * both found by the contract suite:
 * - updates to one document are not atomic: two concurrent `updateOne`s can both pass the
 *   `_pos` filter and one overwrites the other. Writes to one document are therefore
 *   serialised inside this process. Across processes nothing can fix that without
 *   transactions, so each read-model document must have one writing process.
 * - a `$group` computes only its FIRST accumulator (the others come back 0), so
 *   `groupSum` runs one `$group` per accumulator and merges the rows.
 *
 * The client lives in `MongoConnection` (SDAM/pool logging; a new client when the driver's
 * monitor hangs), so collections look up the current client's collection on each call.
 */
import type {
  MongoServerError,
  Collection as MongoCollection,
  Db,
  Document,
  Filter as MongoFilter,
  UpdateFilter,
} from 'mongodb';
import type { Logger } from '../../logging.js';
import { lazyModule } from '../lazy-module.js';
import { MongoConnection } from './mongo-connection.js';

const mongodb = lazyModule<typeof import('mongodb')>('mongodb');
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
import {
  assertFieldPath,
  assertFilter,
  assertFindOptions,
  assertPosition,
  normalizeUpdate,
  stableSort,
} from './filter-guard.js';

interface StoredDoc extends Document {
  _id: string;
  _pos?: string;
}

interface CheckpointDoc {
  _id: string;
  position: string;
}

/** documents per insert command of `insertMany` */
const INSERT_CHUNK = 1000;
/** insert commands of one `insertMany` in flight at once: FerretDB parses one while it
 *  writes another (8,000 documents, 5 interleaved rounds on the loaded 2-core machine:
 *  median 5,178 documents/s with 3, 4,377 with 1) */
const INSERTS_IN_FLIGHT = 3;

function isDuplicateKey(err: unknown): err is MongoServerError {
  return err instanceof mongodb().MongoServerError && err.code === 11000;
}

/** Runs `fn` after every earlier call with the same key has settled. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** a stable string for a BSON value (group keys, error messages) */
function toKeyString(value: unknown): string {
  try {
    return mongodb().BSON.EJSON.stringify(value as Document, { relaxed: true });
  } catch {
    return String(value);
  }
}

/** The driver's collection handles of the current client's database, made once per name. */
class CollectionHandles {
  private db: Db | null = null;
  private readonly byName = new Map<string, MongoCollection<Document>>();

  constructor(private readonly currentDb: () => Db) {}

  get<D extends Document>(name: string): MongoCollection<D> {
    const db = this.currentDb();
    if (db !== this.db) {
      this.db = db;
      this.byName.clear();
    }
    let handle = this.byName.get(name);
    if (!handle) this.byName.set(name, (handle = db.collection(name)));
    return handle as unknown as MongoCollection<D>;
  }
}

class MongoDocCollection<T extends Doc> implements Collection<T> {
  constructor(
    readonly name: string,
    private readonly handles: CollectionHandles,
    private readonly locks: KeyedLock,
  ) {}

  /** the collection on the current client */
  private get coll(): MongoCollection<StoredDoc> {
    return this.handles.get<StoredDoc>(this.name);
  }

  async get(id: string): Promise<T | null> {
    return (await this.coll.findOne({ _id: id })) as T | null;
  }

  async upsertAt(id: string, update: Update, position: string): Promise<boolean> {
    assertPosition(position);
    const { $setOnInsert, ...normalized } = normalizeUpdate(update);
    return this.locks.run(this.lockKey(id), async () => {
      const current = await this.positionOf(id);
      if (current.applied(position)) return false;
      // $setOnInsert is folded into $set when the document is new: FerretDB drops null
      // values of $setOnInsert (`{ payment: null }` created no field).
      const modifier = {
        ...normalized,
        $set: { ...(current.exists ? {} : $setOnInsert), ...normalized.$set, _pos: position },
      } as UpdateFilter<StoredDoc>;
      try {
        await this.coll.updateOne({ _id: id }, modifier, { upsert: true });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) throw await this.duplicateKeyError(err);
        throw err;
      }
    });
  }

  async deleteAt(id: string, position: string): Promise<boolean> {
    assertPosition(position);
    return this.locks.run(this.lockKey(id), async () => {
      if ((await this.positionOf(id)).applied(position)) return false;
      const result = await this.coll.deleteOne({ _id: id });
      return result.deletedCount === 1;
    });
  }

  /**
   * Whether the document exists and the `_pos` guard, read before the write with a lookup
   * by `_id` alone: FerretDB uses its `_id` index only for a filter that is exactly
   * `{_id}`, and scans the whole collection for anything more (a guarded filter cost 80 ms
   * per write at 10,000 documents). Safe because each document has one writing process and
   * writes to one document are serialised in this process (see the header).
   */
  private async positionOf(id: string): Promise<{ exists: boolean; applied(position: string): boolean }> {
    const current = await this.coll.findOne({ _id: id }, { projection: { _pos: 1 } });
    return {
      exists: current !== null,
      applied: (position) => current !== null && current._pos !== undefined && current._pos >= position,
    };
  }

  async find(filter: Filter = {}, options: FindOptions = {}): Promise<T[]> {
    assertFilter(filter);
    assertFindOptions(options);
    let cursor = this.coll.find(filter as MongoFilter<StoredDoc>).sort(stableSort(options.sort));
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return (await cursor.toArray()) as unknown as T[];
  }

  async count(filter: Filter = {}): Promise<number> {
    assertFilter(filter);
    return this.coll.countDocuments(filter as MongoFilter<StoredDoc>);
  }

  async groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]> {
    assertFilter(filter);
    assertFieldPath(groupBy, 'groupBy');
    sumFields.forEach((f) => assertFieldPath(f, 'sumFields'));
    // One $group per accumulator: FerretDB computes only the first accumulator of a $group.
    const accumulators: unknown[] = [1, ...sumFields.map((f) => `$${f}`)];
    const results = await Promise.all(
      accumulators.map((sumOf) =>
        this.coll
          .aggregate([
            { $match: filter },
            { $group: { _id: `$${groupBy}`, v: { $sum: sumOf } } },
            { $sort: { _id: 1 } },
          ])
          .toArray(),
      ),
    );
    const [counts, ...sums] = results as Document[][];
    const sumsByKey = sums.map((rows) => new Map(rows.map((row) => [toKeyString(row._id ?? null), row.v])));
    return counts!.map((row) => {
      const key = toKeyString(row._id ?? null);
      return {
        key: row._id ?? null,
        count: Number(row.v),
        sums: Object.fromEntries(sumFields.map((f, i) => [f, Number(sumsByKey[i]!.get(key) ?? 0)])),
      };
    });
  }

  /** Every MongoDB index serves ranged reads: `ranged` asks for nothing more here. */
  async ensureIndex(fields: Record<string, 1 | -1>, options: IndexOptions = {}): Promise<void> {
    const names = Object.keys(fields);
    if (names.length === 0) throw new Error('ensureIndex needs at least one field');
    names.forEach((f) => assertFieldPath(f, 'index'));
    try {
      await this.coll.createIndex(fields, { unique: options.unique === true });
    } catch (err) {
      throw new Error(
        `cannot create ${options.unique ? 'unique ' : ''}index on ${names.join(', ')} in collection "${this.name}": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async insertMany(docs: readonly T[]): Promise<void> {
    for (const doc of docs) {
      if (typeof doc._id !== 'string' || doc._id === '') throw new Error('insertMany: every document needs an _id');
      if (doc._pos !== undefined) assertPosition(doc._pos);
    }
    // chunks keep each command well under the 16 MiB message limit; a few in flight keep
    // the server busy while the next chunk is encoded and sent
    const chunks: StoredDoc[][] = [];
    for (let i = 0; i < docs.length; i += INSERT_CHUNK) {
      chunks.push(docs.slice(i, i + INSERT_CHUNK) as unknown as StoredDoc[]);
    }
    let next = 0;
    let failure: { err: unknown } | null = null;
    const sender = async () => {
      while (!failure && next < chunks.length) {
        const chunk = chunks[next++]!;
        try {
          await this.coll.insertMany(chunk, { ordered: true });
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(INSERTS_IN_FLIGHT, chunks.length) }, sender));
    if (failure) {
      const { err } = failure;
      if (isDuplicateKey(err)) throw await this.duplicateKeyError(err);
      throw err;
    }
  }

  async drop(): Promise<void> {
    // deleteMany, not drop: the collection keeps its indexes.
    await this.coll.deleteMany({});
  }

  private lockKey(id: string): string {
    return `${this.name}\u0000${id}`;
  }

  /** names the collection and the violated index (or, on FerretDB, the unique indexes) */
  private async duplicateKeyError(err: MongoServerError): Promise<Error> {
    let detail: string;
    if (err.keyPattern) {
      detail = `unique index on ${Object.keys(err.keyPattern).join(', ')}`;
      if (err.keyValue) detail += ` already has ${toKeyString(err.keyValue)}`;
    } else {
      const indexes = await this.coll.indexes().catch(() => []);
      const unique = indexes.filter((ix) => ix.unique && ix.name !== '_id_');
      detail = unique.length
        ? `unique index on ${unique.map((ix) => Object.keys(ix.key).join(', ')).join(' or ')}`
        : err.message;
    }
    return new Error(`duplicate key in collection "${this.name}": ${detail}`, {
      cause: err,
    });
  }
}

export class MongoDocumentStore implements DocumentStore {
  private readonly locks = new KeyedLock();
  private readonly handles: CollectionHandles;
  /** saved checkpoints the next flush writes */
  private pendingCheckpoints = new Map<string, string>();
  private flushing: Promise<void> = Promise.resolve();

  /** @param source a database, or a connection (closed by `close()`: the store owns it) */
  constructor(private readonly source: Db | MongoConnection) {
    this.handles = new CollectionHandles(source instanceof MongoConnection ? () => source.db() : () => source);
  }

  static async connect(url: string, dbName: string, options: { logger?: Logger } = {}): Promise<MongoDocumentStore> {
    return new MongoDocumentStore(await MongoConnection.open(url, dbName, { logger: options.logger }));
  }

  private get checkpoints(): MongoCollection<CheckpointDoc> {
    return this.handles.get<CheckpointDoc>('checkpoints');
  }

  collection<T extends Doc>(name: string): Collection<T> {
    if (typeof name !== 'string' || name === '') throw new Error('a collection needs a name');
    return new MongoDocCollection<T>(name, this.handles, this.locks);
  }

  async getCheckpoint(projector: string): Promise<string | null> {
    const pending = this.pendingCheckpoints.get(projector);
    if (pending !== undefined) return pending;
    const doc = await this.checkpoints.findOne({ _id: projector });
    return doc?.position ?? null;
  }

  /** Recorded now, written by the next `flush()` (with every other checkpoint, see flush). */
  async saveCheckpoint(projector: string, position: string): Promise<void> {
    assertPosition(position);
    this.pendingCheckpoints.set(projector, position);
  }

  /**
   * Writes the checkpoints saved since the last flush in one unordered bulk write: a
   * projection flush saves every projector's checkpoint (a dozen), and one command costs
   * about half as much as a dozen `updateOne`s on FerretDB (37 vs 80 ms on the loaded
   * 2-core machine). Checkpoints follow the read-model writes they cover, which were
   * acknowledged already. Flushes run one at a time, so a checkpoint never goes back.
   */
  async flush(): Promise<void> {
    const previous = this.flushing;
    const current = previous.catch(() => undefined).then(() => this.writeCheckpoints());
    this.flushing = current;
    await current;
  }

  private async writeCheckpoints(): Promise<void> {
    if (this.pendingCheckpoints.size === 0) return;
    const batch = this.pendingCheckpoints;
    this.pendingCheckpoints = new Map();
    try {
      await this.checkpoints.bulkWrite(
        [...batch].map(([_id, position]) => ({
          updateOne: { filter: { _id }, update: { $set: { position } }, upsert: true },
        })),
        { ordered: false },
      );
    } catch (err) {
      // the next flush writes them, unless a later checkpoint was saved meanwhile
      for (const [name, position] of batch)
        if (!this.pendingCheckpoints.has(name)) this.pendingCheckpoints.set(name, position);
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.source instanceof MongoConnection) await this.source.close();
    }
  }
}
