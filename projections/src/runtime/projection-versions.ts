/**
 * Versioned read-model collections, so a projection can be rebuilt from the log into NEW
 * collections while the old ones keep serving.
 *
 * A projector's collections at version 1 have their plain names (`bookings`); version n > 1
 * lives in `bookings__v<n>`, with the projector's checkpoint under `bookings@v<n>`. The
 * current version of each projector is one small document in `projection_versions`
 * (`{_id: projector, version, collections}`); `VersionedDocumentStore` resolves every
 * logical collection and checkpoint name through it, so the read API, reactors and the
 * live projection runner all follow a switch at once (in this process: immediately; other
 * processes: on their next refresh).
 */
import type { Collection, Doc, DocumentStore } from '@booking/shared-kernel';
import type { Projector } from './projector.js';
import { ANALYTICS_COLLECTIONS } from '../analytics/analytics-projector.js';

export const VERSIONS_COLLECTION = 'projection_versions';

export interface ProjectionVersionDoc extends Doc {
  version: number;
  /** the logical collections this version wrote */
  collections: string[];
  switchedAt: string;
}

/** Which collections each projector writes. A projector may also declare
 *  `collections` itself; unknown ones are assumed to write the collection of their name. */
export const PROJECTOR_COLLECTIONS: Record<string, readonly string[]> = {
  offerings: ['offerings'],
  // the capacity projector also writes stock figures on `offerings`: they rebuild together
  capacity: ['capacity', 'capacity_holds', 'offerings'],
  bookings: ['bookings', 'payments'],
  'audit-index': ['audit_index'],
  users: ['users'],
  receipts: ['receipts'],
  reminders: ['reminders'],
  analytics: ANALYTICS_COLLECTIONS,
};

export function collectionsOf(p: Projector): readonly string[] {
  return (
    (p as Projector & { collections?: readonly string[] }).collections ?? PROJECTOR_COLLECTIONS[p.name] ?? [p.name]
  );
}

/** The projectors that must rebuild together with `name`: those sharing a collection with
 *  it, transitively. */
export function rebuildGroup(name: string, projectors: readonly Projector[]): Projector[] {
  const start = projectors.find((p) => p.name === name);
  if (!start) return [];
  const group = new Set<Projector>([start]);
  const cols = new Set(collectionsOf(start));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of projectors) {
      if (group.has(p) || !collectionsOf(p).some((c) => cols.has(c))) continue;
      group.add(p);
      collectionsOf(p).forEach((c) => cols.add(c));
      grew = true;
    }
  }
  return [...group];
}

export function physicalName(collection: string, version: number): string {
  return version <= 1 ? collection : `${collection}__v${version}`;
}

export function checkpointName(projector: string, version: number): string {
  return version <= 1 ? projector : `${projector}@v${version}`;
}

/** A document store that maps logical names through fixed functions (what a rebuild
 *  writes into, and the base of the versioned store). */
export class MappedDocumentStore implements DocumentStore {
  constructor(
    readonly inner: DocumentStore,
    private readonly collectionFn: (name: string) => string = (n) => n,
    private readonly checkpointFn: (name: string) => string = (n) => n,
  ) {}
  protected collectionMap(name: string): string {
    return this.collectionFn(name);
  }
  protected checkpointMap(name: string): string {
    return this.checkpointFn(name);
  }
  collection<T extends Doc>(name: string): Collection<T> {
    return this.inner.collection<T>(this.collectionMap(name));
  }
  getCheckpoint(projector: string): Promise<string | null> {
    return this.inner.getCheckpoint(this.checkpointMap(projector));
  }
  saveCheckpoint(projector: string, position: string): Promise<void> {
    return this.inner.saveCheckpoint(this.checkpointMap(projector), position);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Resolves names through `projection_versions`. */
export class VersionedDocumentStore extends MappedDocumentStore {
  private collections = new Map<string, string>();
  private versions = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  protected override collectionMap(name: string): string {
    return this.collections.get(name) ?? name;
  }
  protected override checkpointMap(name: string): string {
    return checkpointName(name, this.versions.get(name) ?? 1);
  }

  static async open(inner: DocumentStore, refreshMs?: number): Promise<VersionedDocumentStore> {
    const store = new VersionedDocumentStore(inner);
    await store.refresh();
    if (refreshMs) {
      store.timer = setInterval(() => void store.refresh().catch(() => undefined), refreshMs);
      store.timer.unref();
    }
    return store;
  }

  /** Re-reads every projector's current version. */
  async refresh(): Promise<void> {
    const docs = await this.inner.collection<ProjectionVersionDoc>(VERSIONS_COLLECTION).find({});
    const collections = new Map<string, string>();
    const versions = new Map<string, number>();
    for (const d of docs) {
      versions.set(d._id, d.version);
      for (const c of d.collections) collections.set(c, physicalName(c, d.version));
    }
    this.collections = collections;
    this.versions = versions;
  }

  versionOf(projector: string): number {
    return this.versions.get(projector) ?? 1;
  }

  /** The physical collection a logical name resolves to now. */
  resolve(collection: string): string {
    return this.collectionMap(collection);
  }

  /** Atomically (for this process) points the projectors at `version`, and records it. */
  async switchTo(projectors: readonly Projector[], version: number, at: string): Promise<void> {
    const versions = this.inner.collection<ProjectionVersionDoc>(VERSIONS_COLLECTION);
    for (const p of projectors) {
      const collections = [...collectionsOf(p)];
      // positions of this collection are version numbers, so a switch always applies
      await versions.upsertAt(
        p.name,
        { $set: { version, collections, switchedAt: at } },
        String(version).padStart(20, '0'),
      );
      this.versions.set(p.name, version);
      for (const c of collections) this.collections.set(c, physicalName(c, version));
    }
    await this.inner.flush();
  }

  override async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inner.close();
  }
}
