import type { Collection, Doc, DocumentStore, Filter, FindOptions, GroupSum, Update } from '@booking/shared-kernel';
import { APPLIED, NOT_APPLIED } from './coalescing-document-store.js';

type OnWrite = (collection: string, id: string) => void;

/** A collection that tells `onWrite` each document an upsert or delete really changed. */
class RecordingCollection<T extends Doc> implements Collection<T> {
  constructor(
    readonly inner: Collection<T>,
    private readonly logicalName: string,
    private readonly onWrite: OnWrite,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  get(id: string): Promise<T | null> {
    return this.inner.get(id);
  }
  upsertAt(id: string, update: Update, position: string): Promise<boolean> {
    const result = this.inner.upsertAt(id, update, position);
    // a merged increment's answer is known at once (8 of 10 writes of a rebuild): no await
    if (result === APPLIED) {
      this.onWrite(this.logicalName, id);
      return result;
    }
    if (result === NOT_APPLIED) return result;
    return this.recordWhenDone(id, result);
  }
  private async recordWhenDone(id: string, result: Promise<boolean>): Promise<boolean> {
    const applied = await result;
    if (applied) this.onWrite(this.logicalName, id);
    return applied;
  }
  async deleteAt(id: string, position: string): Promise<boolean> {
    const deleted = await this.inner.deleteAt(id, position);
    if (deleted) this.onWrite(this.logicalName, id);
    return deleted;
  }
  find(filter?: Filter, options?: FindOptions): Promise<T[]> {
    return this.inner.find(filter, options);
  }
  count(filter?: Filter): Promise<number> {
    return this.inner.count(filter);
  }
  groupSum(filter: Filter, groupBy: string, sumFields: readonly string[]): Promise<GroupSum[]> {
    return this.inner.groupSum(filter, groupBy, sumFields);
  }
  ensureIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void> {
    return this.inner.ensureIndex(fields, options);
  }
  drop(): Promise<void> {
    return this.inner.drop();
  }
  async insertMany(docs: readonly T[]): Promise<void> {
    await this.inner.insertMany(docs);
    for (const doc of docs) this.onWrite(this.logicalName, doc._id);
  }
}

/**
 * The same document store, telling `onWrite` which document of which collection (by the
 * name projectors use) each write changed, so live pushes read those documents instead
 * of scanning a collection.
 */
export class RecordingDocumentStore implements DocumentStore {
  private readonly handles = new Map<string, RecordingCollection<Doc>>();
  constructor(
    private readonly inner: DocumentStore,
    private readonly onWrite: OnWrite,
  ) {}
  collection<T extends Doc>(name: string): Collection<T> {
    const inner = this.inner.collection<Doc>(name);
    // one wrapper per inner handle (asked for on every event)
    let handle = this.handles.get(name);
    if (handle?.inner !== inner) this.handles.set(name, (handle = new RecordingCollection(inner, name, this.onWrite)));
    return handle as unknown as Collection<T>;
  }
  getCheckpoint(projector: string): Promise<string | null> {
    return this.inner.getCheckpoint(projector);
  }
  saveCheckpoint(projector: string, position: string): Promise<void> {
    return this.inner.saveCheckpoint(projector, position);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
