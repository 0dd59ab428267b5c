/**
 * The embedded store's non-unique indexes: for the first field of each, which documents
 * hold a given string there, so a query with that field equal to a string reads its bucket
 * instead of the whole collection (the hold-expiry scheduler asks for `state: 'held'` every
 * second, and all holds ever made stay in the collection).
 *
 * Built by the first query that can use it, so opening a file stays lazy, and kept up to
 * date by every write after that. Documents whose field is not a string (missing, a number,
 * an array, whose elements MongoDB's equality also matches) are kept apart and always
 * offered as candidates: the index only narrows, the query itself still decides.
 */
import { resolve } from 'mingo/util';
import type { Doc } from '../../ports/document-store.js';

export class EqualityIndex {
  private built = false;
  private readonly byValue = new Map<string, Set<string>>();
  private readonly others = new Set<string>();

  constructor(readonly field: string) {}

  get isBuilt(): boolean {
    return this.built;
  }

  build(docs: Iterable<Doc>): void {
    this.byValue.clear();
    this.others.clear();
    this.built = true;
    for (const doc of docs) this.add(doc);
  }

  add(doc: Doc): void {
    if (!this.built) return;
    const value = resolve(doc as unknown as Record<string, unknown>, this.field);
    if (typeof value !== 'string') {
      this.others.add(doc._id);
      return;
    }
    let ids = this.byValue.get(value);
    if (!ids) this.byValue.set(value, (ids = new Set()));
    ids.add(doc._id);
  }

  remove(doc: Doc): void {
    if (!this.built) return;
    const value = resolve(doc as unknown as Record<string, unknown>, this.field);
    if (typeof value !== 'string') {
      this.others.delete(doc._id);
      return;
    }
    const ids = this.byValue.get(value);
    ids?.delete(doc._id);
    if (ids?.size === 0) this.byValue.delete(value);
  }

  /** every document emptied (a drop): the index stays built, on an empty collection */
  clear(): void {
    this.byValue.clear();
    this.others.clear();
    this.built = true;
  }

  /** ids of the documents that may have `field` equal to `value` */
  *candidates(value: string): Iterable<string> {
    yield* this.byValue.get(value) ?? [];
    yield* this.others;
  }
}

/** The string a filter asks `field` to equal (`{field: 's'}` or `{field: {$eq: 's'}}`), if any. */
export function equalityOperand(filter: Record<string, unknown>, field: string): string | undefined {
  const condition = filter[field];
  if (typeof condition === 'string') return condition;
  if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
    const keys = Object.keys(condition);
    const eq = (condition as Record<string, unknown>).$eq;
    if (keys.length === 1 && typeof eq === 'string') return eq;
  }
  return undefined;
}
