/**
 * The document store port for read models. Adapters: embedded (default, persisted
 * locally) and MongoDB. Both pass `shared-kernel/test/document-store.contract.ts`.
 *
 * Idempotent projection: every write names the global position of the event that causes
 * it (`sortablePosition`), and a document remembers the last position applied to it in
 * `_pos`. A write whose position is not newer than the document's `_pos` changes nothing,
 * so re-applying an event after a crash is harmless, with or without transactions
 * (FerretDB has none).
 */

export interface Doc {
  _id: string;
  /** sortable position of the last event applied to this document */
  _pos?: string;
}

/** The MongoDB update operators the read models use; nothing else is accepted. */
export interface Update {
  $set?: Record<string, unknown>;
  $setOnInsert?: Record<string, unknown>;
  $unset?: Record<string, true>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  /** remove array elements equal to the value */
  $pull?: Record<string, unknown>;
  $max?: Record<string, unknown>;
  $min?: Record<string, unknown>;
}

/** A MongoDB-style filter: field equality and the operators $eq $ne $gt $gte $lt $lte
 *  $in $nin $exists $regex (with $options 'i'), $and $or, and dotted paths. */
export type Filter = Record<string, unknown>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

export interface IndexOptions {
  unique?: boolean;
  /**
   * The index serves ordered range reads: string equality on leading fields, then a string
   * range and/or the sort on the next field (`{state: 'held', expiresAt: {$lte: now}}` sorted
   * by `expiresAt`, with a limit). Such reads must not cost the collection's size, e.g. a
   * scheduler's due items among every item ever made. Every MongoDB index is like this; the
   * embedded store keeps such an index in its file, maintained by every flush, and answers
   * the reads it serves without loading the collection.
   */
  ranged?: boolean;
}

export interface GroupSum {
  /** the value of the grouped field */
  key: unknown;
  count: number;
  sums: Record<string, number>;
}

export interface Collection<T extends Doc> {
  readonly name: string;
  get(id: string): Promise<T | null>;
  /**
   * Applies `update` to the document `id`, creating it when missing, unless the document
   * already applied `position` or a later one. Returns whether it was applied.
   */
  upsertAt(id: string, update: Update, position: string): Promise<boolean>;
  /** Deletes the document if it has not applied `position` or a later one. */
  deleteAt(id: string, position: string): Promise<boolean>;
  find(filter?: Filter, options?: FindOptions): Promise<T[]>;
  count(filter?: Filter): Promise<number>;
  /** count and sum `sumFields` over documents matching `filter`, grouped by `groupBy` */
  groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]>;
  ensureIndex(fields: Record<string, 1 | -1>, options?: IndexOptions): Promise<void>;
  /** removes every document (projection rebuilds) */
  drop(): Promise<void>;
  /**
   * Adds documents that do not exist yet, `_pos` included, in as few round trips as the
   * store allows: a rebuild loads the collections it staged in memory this way. An `_id`
   * that exists already, or a unique index clash, is an error (other documents of the
   * call may stay inserted; a rebuild drops its collections before it starts).
   */
  insertMany(docs: readonly T[]): Promise<void>;
}

export interface DocumentStore {
  collection<T extends Doc>(name: string): Collection<T>;
  /** last position a projector applied, or null when it never ran */
  getCheckpoint(projector: string): Promise<string | null>;
  /** records the checkpoint; the embedded adapter stores it with the read model's
   *  pending writes in one transaction on the next flush */
  saveCheckpoint(projector: string, position: string): Promise<void>;
  /** makes every write so far durable (embedded: one SQLite transaction) */
  flush(): Promise<void>;
  close(): Promise<void>;
}
