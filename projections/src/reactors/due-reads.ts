/**
 * The reads of a scheduler tick's due items (due holds, payments to reconcile, reminders),
 * which a stop does not wait for: after a restart the first read loads the whole read-model
 * collection (seconds at 1M events), and a tick stopped meanwhile acts on none of what it
 * read. A tick past its read (firing commands) is still awaited by the scheduler's stop.
 */

/** A read stop() did not wait for failed, e.g. because the read-model store closed under it. */
export class ReadAbandonedByStop extends Error {
  constructor(cause: unknown) {
    super('due items read abandoned by stop', { cause });
  }
}

export class DueReads {
  private stopped = false;
  private reading = 0;

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
