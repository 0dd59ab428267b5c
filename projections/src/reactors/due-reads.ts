/**
 * The reads of a scheduler tick's due items (due holds, payments to reconcile, reminders),
 * which a stop does not wait for: a read may wait for its index to be built (the first time
 * the index is declared on a large store), and a tick stopped meanwhile acts on none of what
 * it read. A tick past its read (firing commands) is still awaited by the scheduler's stop.
 *
 * Each due read declares the ranged index it needs (`DueReads.indexed`): equality on the
 * state, a range and the sort on the due time, so the read costs the due items, not every
 * item ever made (the embedded store would otherwise load the whole collection after a
 * restart: ~7 s of CPU at 1M events). The scheduler declares it, not the projector, so a
 * process running only the reactors has it too; on MongoDB it is an ordinary compound index.
 */
import type { Collection, Doc } from '@booking/shared-kernel';

/** A read stop() did not wait for failed, e.g. because the read-model store closed under it. */
export class ReadAbandonedByStop extends Error {
  constructor(cause: unknown) {
    super('due items read abandoned by stop', { cause });
  }
}

export class DueReads {
  private stopped = false;
  private reading = 0;
  /** index declarations by physical collection name, made by the first read of each (again
   *  after a failure): a projection rebuild switches the name to a new version's collection */
  private readonly declared = new Map<string, Promise<void>>();

  /** The items `query` finds in `collection`, once its ranged index on `fields` is declared. */
  indexed<T extends Doc>(
    collection: Collection<T>,
    fields: Record<string, 1 | -1>,
    query: (collection: Collection<T>) => Promise<T[]>,
  ): Promise<T[]> {
    return this.read(async () => {
      let declared = this.declared.get(collection.name);
      if (!declared) {
        declared = collection.ensureIndex(fields, { ranged: true }).catch((err: unknown) => {
          this.declared.delete(collection.name);
          throw err;
        });
        this.declared.set(collection.name, declared);
      }
      await declared;
      return query(collection);
    });
  }

  /** The items `query` finds, or none once stopped. */
  async read<T>(query: () => Promise<T[]>): Promise<T[]> {
    this.reading++;
    try {
      const due = await query();
      return this.stopped ? [] : due;
    } catch (err) {
      throw this.stopped ? new ReadAbandonedByStop(err) : err;
    } finally {
      this.reading--;
    }
  }

  /** Stops; true when a running tick is past its read and must be waited for. */
  stop(): boolean {
    this.stopped = true;
    return this.reading === 0;
  }

  start(): void {
    this.stopped = false;
  }
}
