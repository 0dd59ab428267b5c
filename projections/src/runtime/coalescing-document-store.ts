/**
 * Counter documents (analytics funnel and revenue, capacity, offering stock) take a `$inc`
 * from many events: one BookingPlaced increments nine funnel documents, and most of them
 * again for the next booking. When nothing but this process writes the read models (the
 * embedded store, a rebuild's own collections), this store adds up the increments a
 * document gets between two flushes and writes the document once, at the position of the
 * last event that incremented it: the read model ends exactly as with one write per event.
 *
 * Idempotency stays per event: an increment is taken only when its position is newer than
 * the document's `_pos` (read once, then remembered from this store's own writes) and than
 * the increments already taken, so a replayed event adds nothing.
 *
 * Only updates made of `$inc` (whole numbers) and `$setOnInsert` are merged. Any other
 * access to a document with merged increments (another update, get, delete, queries on its
 * collection) writes them first, so every read sees them and updates apply in event order.
 * `writeBack` (called by `flush` and `saveCheckpoint`) writes what is merged; a document
 * whose write fails keeps its increments for the next attempt, so a checkpoint is only
 * saved after everything before it is written.
 *
 * Not safe with several concurrent writers of the same collections (MongoDB shared by
 * several projector processes): the runner enables it only when told it is the only one.
 */
import type { Collection, Doc, DocumentStore, Filter, FindOptions, GroupSum, Update } from '@booking/shared-kernel';

interface Merged {
  collection: Collection<Doc>;
  /** a Map: the paths are data (`status.PENDING`), which would turn an object slow */
  inc: Map<string, number>;
  setOnInsert: Record<string, unknown> | undefined;
  /** position of the last increment taken */
  position: string;
}

/** what `mergeInc` answers without awaiting (settled promises may be shared; a wrapper
 *  that sees one knows the answer without awaiting it: write-recorder.ts) */
export const APPLIED = Promise.resolve(true);
export const NOT_APPLIED = Promise.resolve(false);

/** remembered `_pos` values beyond this many are forgotten (then read again) */
const KNOWN_LIMIT = 100_000;

function isMergeable(
  update: Update,
): update is { $inc: Record<string, number>; $setOnInsert?: Record<string, unknown> } {
  let inc = false;
  for (const op in update) {
    if (op === '$inc') inc = true;
    else if (op !== '$setOnInsert') return false;
  }
  if (!inc) return false;
  for (const path in update.$inc) if (!Number.isSafeInteger(update.$inc![path])) return false;
  return true;
}

/** true when `a` and `b` are the same path or one contains the other */
function overlaps(a: string, b: string): boolean {
  if (a.length === b.length) return a === b;
  // 46: '.'
  return a.length < b.length
    ? b.startsWith(a) && b.charCodeAt(a.length) === 46
    : a.startsWith(b) && a.charCodeAt(b.length) === 46;
}

/** Whether adding a new `path` to `merged` would make one update MongoDB refuses (a path
 *  twice across operators, or a path inside another). */
function conflicts(merged: Merged, path: string): boolean {
  for (const other of merged.inc.keys()) if (overlaps(path, other)) return true;
  if (merged.setOnInsert) for (const other in merged.setOnInsert) if (overlaps(path, other)) return true;
  return false;
}

export class CoalescingDocumentStore implements DocumentStore {
  /** physical collection name -> document id -> increments not yet written */
  private readonly merged = new Map<string, Map<string, Merged>>();
  /** physical collection name -> document id -> its `_pos` (null: no document) */
  private known = new Map<string, Map<string, string | null>>();
  private knownCount = 0;
  private readonly handles = new Map<string, CoalescingCollection<Doc>>();

  constructor(readonly inner: DocumentStore) {}

  collection<T extends Doc>(name: string): Collection<T> {
    const inner = this.inner.collection<Doc>(name);
    // one wrapper per inner handle (projectors ask on every event; a versioned store may
    // map the name to another collection after a switch)
    let handle = this.handles.get(name);
    if (handle?.inner !== inner) this.handles.set(name, (handle = new CoalescingCollection<Doc>(this, inner)));
    return handle as unknown as Collection<T>;
  }

  getCheckpoint(projector: string): Promise<string | null> {
    return this.inner.getCheckpoint(projector);
  }

  async saveCheckpoint(projector: string, position: string): Promise<void> {
    await this.writeBack();
    await this.inner.saveCheckpoint(projector, position);
  }

  async flush(): Promise<void> {
    await this.writeBack();
    await this.inner.flush();
  }

  async close(): Promise<void> {
    await this.writeBack();
    await this.inner.close();
  }

  /** whether increments are waiting for `writeBack` */
  get pending(): boolean {
    for (const docs of this.merged.values()) if (docs.size > 0) return true;
    return false;
  }

  /** Writes every merged document. */
  async writeBack(): Promise<void> {
    for (const [name, docs] of this.merged) {
      for (const id of [...docs.keys()]) await this.writeOne(name, docs, id);
    }
  }

  /** Forgets every remembered `_pos` (another writer may have changed the documents). */
  forgetPositions(): void {
    this.known = new Map();
    this.knownCount = 0;
  }

  /** @internal whether increments of this document (or, without `id`, of the collection)
   *  wait for their write: the usual answer, no, needs no await */
  hasMerged(name: string, id?: string): boolean {
    const docs = this.merged.get(name);
    if (!docs || docs.size === 0) return false;
    return id === undefined || docs.has(id);
  }

  /** @internal */
  async writeMerged(name: string, id?: string): Promise<void> {
    const docs = this.merged.get(name);
    if (!docs || docs.size === 0) return;
    if (id === undefined) {
      for (const key of [...docs.keys()]) await this.writeOne(name, docs, key);
    } else if (docs.has(id)) {
      await this.writeOne(name, docs, id);
    }
  }

  /** @internal Takes one event's increments. The usual cases (the document has merged
   *  increments already, or its position is known) answer without awaiting anything. */
  mergeInc(
    collection: Collection<Doc>,
    id: string,
    update: { $inc: Record<string, number>; $setOnInsert?: Record<string, unknown> },
    position: string,
  ): Promise<boolean> {
    const name = collection.name;
    const docs = this.merged.get(name);
    const current = docs?.get(id);
    if (current) {
      if (current.position >= position) return NOT_APPLIED;
      const inc = update.$inc;
      for (const path in inc) {
        if (!current.inc.has(path) && conflicts(current, path)) {
          return this.mergeAfterWrite(collection, docs!, id, update, position);
        }
      }
      for (const path in inc) current.inc.set(path, (current.inc.get(path) ?? 0) + inc[path]!);
      current.position = position;
      return APPLIED;
    }
    const known = this.known.get(name)?.get(id);
    if (known !== undefined) return this.startMerge(collection, id, update, position, known) ? APPLIED : NOT_APPLIED;
    return this.mergeUnknown(collection, id, update, position);
  }

  /** what would clash with the merged increments is written first */
  private async mergeAfterWrite(
    collection: Collection<Doc>,
    docs: Map<string, Merged>,
    id: string,
    update: { $inc: Record<string, number>; $setOnInsert?: Record<string, unknown> },
    position: string,
  ): Promise<boolean> {
    await this.writeOne(collection.name, docs, id);
    return this.mergeInc(collection, id, update, position);
  }

  private async mergeUnknown(
    collection: Collection<Doc>,
    id: string,
    update: { $inc: Record<string, number>; $setOnInsert?: Record<string, unknown> },
    position: string,
  ): Promise<boolean> {
    const base = await this.positionOf(collection, id);
    return this.startMerge(collection, id, update, position, base);
  }

  /** the first increments of a document since its last write (`base`: its `_pos`) */
  private startMerge(
    collection: Collection<Doc>,
    id: string,
    update: { $inc: Record<string, number>; $setOnInsert?: Record<string, unknown> },
    position: string,
    base: string | null,
  ): boolean {
    if (base !== null && base >= position) return false;
    let docs = this.merged.get(collection.name);
    if (!docs) this.merged.set(collection.name, (docs = new Map()));
    const inc = new Map<string, number>();
    for (const path in update.$inc) inc.set(path, update.$inc[path]!);
    docs.set(id, {
      collection,
      inc,
      setOnInsert: update.$setOnInsert ? { ...update.$setOnInsert } : undefined,
      position,
    });
    return true;
  }

  /** @internal after a write that went straight through */
  wrote(name: string, id: string, position: string | null): void {
    const docs = this.known.get(name);
    if (docs?.has(id)) docs.set(id, position);
  }

  /** @internal */
  forgetCollection(name: string): void {
    this.merged.delete(name);
    const docs = this.known.get(name);
    if (docs) this.knownCount -= docs.size;
    this.known.delete(name);
  }

  private async writeOne(name: string, docs: Map<string, Merged>, id: string): Promise<void> {
    const m = docs.get(id)!;
    // (a loop: Object.fromEntries of a Map was the largest cost of a write-back)
    const inc: Record<string, number> = {};
    for (const [path, by] of m.inc) inc[path] = by;
    const update: Update = m.setOnInsert ? { $inc: inc, $setOnInsert: m.setOnInsert } : { $inc: inc };
    // a failed write keeps the increments: the caller's flush fails and saves no checkpoint
    await m.collection.upsertAt(id, update, m.position);
    if (docs.get(id) === m) docs.delete(id);
    this.remember(name, id, m.position);
  }

  private async positionOf(collection: Collection<Doc>, id: string): Promise<string | null> {
    const known = this.known.get(collection.name)?.get(id);
    if (known !== undefined) return known;
    const doc = await collection.get(id);
    const position = doc?._pos ?? null;
    this.remember(collection.name, id, position);
    return position;
  }

  private remember(name: string, id: string, position: string | null): void {
    let docs = this.known.get(name);
    if (!docs) this.known.set(name, (docs = new Map()));
    if (!docs.has(id)) {
      if (this.knownCount >= KNOWN_LIMIT) {
        this.forgetPositions();
        return this.remember(name, id, position);
      }
      this.knownCount++;
    }
    docs.set(id, position);
  }
}

class CoalescingCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly store: CoalescingDocumentStore,
    readonly inner: Collection<T>,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  async get(id: string): Promise<T | null> {
    if (this.store.hasMerged(this.inner.name, id)) await this.store.writeMerged(this.inner.name, id);
    return this.inner.get(id);
  }
  upsertAt(id: string, update: Update, position: string): Promise<boolean> {
    // (not async: a merged increment returns mergeInc's promise as it is)
    if (isMergeable(update)) return this.store.mergeInc(this.inner as Collection<Doc>, id, update, position);
    return this.upsertThrough(id, update, position);
  }
  private async upsertThrough(id: string, update: Update, position: string): Promise<boolean> {
    if (this.store.hasMerged(this.inner.name, id)) await this.store.writeMerged(this.inner.name, id);
    const applied = await this.inner.upsertAt(id, update, position);
    if (applied) this.store.wrote(this.inner.name, id, position);
    return applied;
  }
  async deleteAt(id: string, position: string): Promise<boolean> {
    if (this.store.hasMerged(this.inner.name, id)) await this.store.writeMerged(this.inner.name, id);
    const deleted = await this.inner.deleteAt(id, position);
    if (deleted) this.store.wrote(this.inner.name, id, null);
    return deleted;
  }
  async find(filter?: Filter, options?: FindOptions): Promise<T[]> {
    await this.store.writeMerged(this.inner.name);
    return this.inner.find(filter, options);
  }
  async count(filter?: Filter): Promise<number> {
    await this.store.writeMerged(this.inner.name);
    return this.inner.count(filter);
  }
  async groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]> {
    await this.store.writeMerged(this.inner.name);
    return this.inner.groupSum(filter, groupBy, sumFields);
  }
  ensureIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void> {
    return this.inner.ensureIndex(fields, options);
  }
  async drop(): Promise<void> {
    this.store.forgetCollection(this.inner.name);
    await this.inner.drop();
  }
  async insertMany(docs: readonly T[]): Promise<void> {
    await this.store.writeMerged(this.inner.name);
    // inserted documents carry their own `_pos`: forget what was remembered about them
    for (const doc of docs) this.store.wrote(this.inner.name, doc._id, doc._pos ?? null);
    await this.inner.insertMany(docs);
  }
}
