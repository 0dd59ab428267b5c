/**
 * One collection's documents in memory, read from the file only when needed: a document by
 * id on its first access, the whole collection on the first scan (iteration or `size`).
 * Opening a read-model file therefore costs nothing per stored document; a restart reads
 * only what is asked for (a caught-up projector touches nothing, a query loads its
 * collection once). Queries wait for `whenComplete()`, which reads the collection in
 * slices of a few milliseconds and yields between them, so loading a large collection
 * (the schedulers' first ticks after a restart) delays a request by at most about a slice
 * per event-loop turn; a synchronous scan finishes whatever is left at once.
 *
 * The file holds the state of the last flush and memory holds everything written since,
 * so a document not in memory is read from the file unless it was deleted since the open
 * (`gone`); a full load adds only the rows memory does not already have or has deleted.
 */
export interface DocumentSource<V> {
  /** the stored document with this id, or undefined */
  one(id: string): V | undefined;
  /** every stored document of the collection */
  all(): Iterable<[string, V]>;
  /** up to `limit` stored documents with ids after `afterId` (null: from the first), in id order */
  page(afterId: string | null, limit: number): [string, V][];
}

/** documents read per page by `whenComplete` (~1-2 ms of deserialising) */
export const LOAD_PAGE = 256;
/** how long `whenComplete` reads pages before it yields: a request that arrives meanwhile
 *  waits this long per event-loop turn it needs (fixed 2000-document slices, 10-20 ms
 *  each, made the first booking after a restart wait ~0.5 s at 100k events) */
const SLICE_MS = 4;

export interface LazyDocumentsOptions {
  /** milliseconds of reading before `whenComplete` yields (0: after every page) */
  sliceMs?: number;
}

export class LazyDocuments<V> extends Map<string, V> {
  private complete: boolean;
  /** ids deleted since the open while the collection was not fully loaded */
  private readonly gone = new Set<string>();
  private loading: Promise<void> | null = null;

  private readonly sliceMs: number;

  constructor(
    private readonly source: DocumentSource<V> | null,
    options: LazyDocumentsOptions = {},
  ) {
    super();
    this.complete = source === null;
    this.sliceMs = options.sliceMs ?? SLICE_MS;
  }

  /** true once every stored document is in memory (memory alone answers any query) */
  get isComplete(): boolean {
    return this.complete;
  }

  /**
   * What memory knows of `id` without reading the file: the document, null when there is
   * none (deleted since the open, or the collection is all in memory), undefined when memory
   * does not know (the file's row, if any, is current).
   */
  peek(id: string): V | null | undefined {
    const doc = super.get(id);
    if (doc !== undefined) return doc;
    return this.complete || this.gone.has(id) ? null : undefined;
  }

  /** Keeps a document read from the file, which memory did not know (see `peek`). */
  remember(id: string, stored: V): void {
    if (!this.complete && !this.gone.has(id) && super.get(id) === undefined) super.set(id, stored);
  }

  override get(id: string): V | undefined {
    const doc = super.get(id);
    if (doc !== undefined || this.complete || this.gone.has(id)) return doc;
    const stored = this.source!.one(id);
    if (stored !== undefined) super.set(id, stored);
    return stored;
  }

  override has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  override set(id: string, doc: V): this {
    if (!this.complete) this.gone.delete(id);
    return super.set(id, doc);
  }

  override delete(id: string): boolean {
    if (this.complete) return super.delete(id);
    const existed = this.has(id);
    super.delete(id);
    this.gone.add(id);
    return existed;
  }

  /** Everything is gone, including what is stored (a drop). */
  override clear(): void {
    super.clear();
    this.gone.clear();
    this.complete = true;
  }

  override get size(): number {
    this.loadAll();
    return super.size;
  }

  override values(): MapIterator<V> {
    this.loadAll();
    return super.values();
  }

  override keys(): MapIterator<string> {
    this.loadAll();
    return super.keys();
  }

  override entries(): MapIterator<[string, V]> {
    this.loadAll();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    this.loadAll();
    super.forEach(callback, thisArg);
  }

  /** null when every stored document is in memory; else a promise that resolves once
   *  they are, reading them slice by slice (one load however many callers wait) */
  whenComplete(): Promise<void> | null {
    if (this.complete) return null;
    this.loading ??= this.loadInSlices().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadInSlices(): Promise<void> {
    let after: string | null = null;
    let sliceStarted = performance.now();
    while (!this.complete) {
      const rows = this.source!.page(after, LOAD_PAGE);
      this.addStored(rows);
      if (rows.length < LOAD_PAGE) this.markComplete();
      else {
        after = rows[rows.length - 1]![0];
        if (performance.now() - sliceStarted >= this.sliceMs) {
          await new Promise((r) => setImmediate(r));
          sliceStarted = performance.now();
        }
      }
    }
  }

  /** Adds stored rows unless memory has the document already, or deleted it. */
  private addStored(rows: Iterable<[string, V]>): void {
    for (const [id, doc] of rows) {
      if (!this.gone.has(id) && super.get(id) === undefined) super.set(id, doc);
    }
  }

  private markComplete(): void {
    this.gone.clear();
    this.complete = true;
  }

  private loadAll(): void {
    if (this.complete) return;
    this.addStored(this.source!.all());
    this.markComplete();
  }
}
