/**
 * Rebuilds a projection from the event log into new collections while the old ones keep
 * serving, then switches atomically and drops the old collections.
 *
 * 1. The projector and every projector sharing a collection with it (its group) get the
 *    next version: collections `<name>__v<n>`, checkpoints `<projector>@v<n>` (leftovers of
 *    an aborted rebuild are dropped first).
 * 2. The log is read from the beginning in batches, with progress (events done / total,
 *    rate, ETA), folded in an in-memory staging store when one is configured and then
 *    loaded into the new collections with one write per document (else written straight
 *    into them). Counter increments of a batch merge into one write per document
 *    (`CoalescingDocumentStore`: the rebuild alone writes these collections).
 * 3. When caught up, inside `ProjectionRunner.exclusive` (no live event is being applied),
 *    the last events are applied and `projection_versions` is switched. The live runner
 *    then writes the new collections from its own checkpoint, which is at or behind the
 *    rebuild's: re-applying those events is a no-op (`upsertAt` positions).
 * 4. After a grace period (reads in flight, other processes refreshing their mapping) the
 *    old collections are dropped.
 *
 * A projector added later needs none of this: with no checkpoint, the runner starts it
 * from the beginning of the log.
 */
import {
  comparePositions,
  eventCatalogue,
  formatPosition,
  sortablePosition,
  START,
  type DocumentStore,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  type Logger,
} from '@booking/shared-kernel';
import type { Projector } from './projector.js';
import type { ProjectionRunner } from './projection-runner.js';
import { CoalescingDocumentStore } from './coalescing-document-store.js';
import {
  checkpointName,
  collectionsOf,
  MappedDocumentStore,
  physicalName,
  rebuildGroup,
  VersionedDocumentStore,
} from './projection-versions.js';

export interface RebuildProgress {
  name: string;
  projectors: string[];
  state: 'running' | 'switching' | 'done' | 'failed';
  fromVersion: number;
  toVersion: number;
  /** events in the log when the rebuild started (it follows later ones too) */
  total: number;
  done: number;
  /** events per second */
  rate: number;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface ProjectionOpsOptions {
  /** wait this long after the switch before dropping the old collections */
  dropGraceMs?: number;
  batchSize?: number;
  /**
   * An empty in-memory store to stage the rebuild in (the platform gives an embedded
   * ':memory:' store). A rebuild writes each document once per event that touches it; a
   * remote store (MongoDB) costs a round trip per write, so the log is folded in memory and
   * every document is then written once with `insertMany`. Without it, the rebuild
   * writes straight into the new collections.
   */
  staging?: () => DocumentStore;
}

export class UnknownProjectionError extends Error {}
export class RebuildRunningError extends Error {}

export class ProjectionOps {
  private readonly rebuilds = new Map<string, { progress: RebuildProgress; finished: Promise<RebuildProgress> }>();

  constructor(
    private readonly store: EventStore,
    private readonly docs: VersionedDocumentStore,
    private readonly projectors: readonly Projector[],
    private readonly runner: ProjectionRunner | null,
    private readonly logger: Logger,
    private readonly options: ProjectionOpsOptions = {},
  ) {}

  async list() {
    const head = await this.store.headPosition();
    const out = [];
    for (const p of this.projectors) {
      const version = this.docs.versionOf(p.name);
      const checkpoint = await this.docs.getCheckpoint(p.name);
      const rebuild = [...this.rebuilds.values()].find((r) => r.progress.projectors.includes(p.name))?.progress ?? null;
      out.push({
        name: p.name,
        version,
        collections: collectionsOf(p).map((c) => ({ name: c, physical: physicalName(c, version) })),
        checkpoint,
        rebuild: rebuild ? { ...rebuild } : null,
      });
    }
    return { head: comparePositions(head, START) > 0 ? formatPosition(head) : null, projections: out };
  }

  /** Starts rebuilding `name` (and its group); returns the progress record at once. */
  rebuild(name: string): RebuildProgress {
    const group = rebuildGroup(name, this.projectors);
    if (group.length === 0) throw new UnknownProjectionError(`no projection named ${name}`);
    for (const r of this.rebuilds.values()) {
      if (
        (r.progress.state === 'running' || r.progress.state === 'switching') &&
        r.progress.projectors.some((p) => group.some((g) => g.name === p))
      ) {
        throw new RebuildRunningError(`a rebuild of ${r.progress.name} is already running`);
      }
    }
    const fromVersion = Math.max(...group.map((p) => this.docs.versionOf(p.name)));
    const progress: RebuildProgress = {
      name,
      projectors: group.map((p) => p.name),
      state: 'running',
      fromVersion,
      toVersion: fromVersion + 1,
      total: 0,
      done: 0,
      rate: 0,
      etaSeconds: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    const finished = this.run(group, progress).then(
      () => progress,
      (err: unknown) => {
        progress.state = 'failed';
        progress.error = err instanceof Error ? err.message : String(err);
        progress.finishedAt = new Date().toISOString();
        this.logger.error({ err, projection: name }, 'projection rebuild failed');
        return progress;
      },
    );
    this.rebuilds.set(name, { progress, finished });
    return progress;
  }

  /** Resolves when the rebuild of `name` ends (done or failed). */
  async wait(name: string): Promise<RebuildProgress | null> {
    return (await this.rebuilds.get(name)?.finished) ?? null;
  }

  progress(name: string): RebuildProgress | null {
    return this.rebuilds.get(name)?.progress ?? null;
  }

  private async run(group: Projector[], progress: RebuildProgress): Promise<void> {
    const version = progress.toVersion;
    const collections = [...new Set(group.flatMap((p) => collectionsOf(p)))];
    const target = new MappedDocumentStore(
      this.docs.inner,
      (c) => physicalName(c, version),
      (p) => checkpointName(p, version),
    );
    for (const c of collections) await target.collection(c).drop();
    const head = await this.store.headPosition();
    progress.total = Number(head.commit + 1n);
    const started = Date.now();
    let position: GlobalPosition = START;
    const batchSize = this.options.batchSize ?? 2000;

    // events no projector of the group handles are not decoded (a group reads the whole log)
    const handled = new Set(group.flatMap((p) => [...p.eventTypes]));
    const catchUp = async (store: DocumentStore): Promise<void> => {
      // the rebuild alone writes these collections until the switch: counters may merge
      const into = new CoalescingDocumentStore(store);
      for (;;) {
        const batch = await this.store.readAll({ after: position, maxCount: batchSize });
        if (batch.length === 0) return;
        for (const recorded of batch) {
          if (handled.has(recorded.type)) {
            const event = eventCatalogue.decode<DomainEvent>(recorded);
            const pos = sortablePosition(recorded.position);
            for (const p of group) if (p.eventTypes.has(event.type)) await p.apply(event, pos, into);
          }
          position = recorded.position;
        }
        for (const p of group) await into.saveCheckpoint(p.name, sortablePosition(position));
        await into.flush();
        progress.done = Number(position.commit + 1n);
        progress.total = Math.max(progress.total, progress.done);
        const seconds = (Date.now() - started) / 1000;
        progress.rate = seconds > 0 ? Math.round(progress.done / seconds) : 0;
        progress.etaSeconds =
          progress.rate > 0 ? Math.max(0, Math.round((progress.total - progress.done) / progress.rate)) : null;
      }
    };

    const staging = this.options.staging?.();
    if (staging) {
      try {
        await catchUp(staging);
        for (const c of collections) await target.collection(c).insertMany(await staging.collection(c).find());
        for (const p of group) await target.saveCheckpoint(p.name, sortablePosition(position));
        await target.flush();
      } finally {
        await staging.close();
      }
    }
    await catchUp(target);
    progress.state = 'switching';
    const old = group.map((p) => ({ p, version: this.docs.versionOf(p.name) }));
    const doSwitch = async () => {
      await catchUp(target);
      await this.docs.switchTo(group, version, new Date().toISOString());
    };
    if (this.runner) await this.runner.exclusive(doSwitch);
    else await doSwitch();
    progress.etaSeconds = 0;
    this.logger.info({ projection: progress.name, version, events: progress.done }, 'projection rebuilt and switched');

    const grace = this.options.dropGraceMs ?? 5000;
    if (grace > 0) await new Promise((r) => setTimeout(r, grace));
    const keep = new Set(collections.map((c) => physicalName(c, version)));
    for (const { p, version: v } of old) {
      for (const c of collectionsOf(p)) {
        const physical = physicalName(c, v);
        if (!keep.has(physical)) await this.docs.inner.collection(physical).drop();
      }
    }
    await this.docs.inner.flush();
    progress.state = 'done';
    progress.finishedAt = new Date().toISOString();
  }
}
