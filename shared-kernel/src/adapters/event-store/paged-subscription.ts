/**
 * The catch-up-then-live subscription both relational stores use: read the log in pages
 * as the consumer pulls (back-pressure), and once caught up sleep until the store wakes
 * it after a local commit or the poll interval passes (commits of other processes).
 */
import type { EventFilter, RecordedEvent, Subscription } from '../../ports/event-store.js';

/** What a store offers its subscriptions. */
export interface PagedSource<Row> {
  /** bumped on every local commit, so a fill racing a commit is noticed */
  sequence(): number;
  head(): Promise<bigint> | bigint;
  /** rows after `after`, up to `head`, at most `limit` */
  readRows(after: bigint, head: bigint, limit: number, filter: EventFilter | undefined): Promise<Row[]> | Row[];
  positionOf(row: Row): bigint;
  toRecorded(row: Row): RecordedEvent;
  forget(subscription: PagedSubscription<Row>): void;
}

export class PagedSubscription<Row> implements Subscription, AsyncIterator<RecordedEvent> {
  private buffer: RecordedEvent[] = [];
  private index = 0;
  private closed = false;
  private waker: (() => void) | undefined;

  constructor(
    private readonly source: PagedSource<Row>,
    /** everything up to here has been read (delivered or in the buffer) */
    private scanned: bigint,
    private readonly filter: EventFilter | undefined,
    private readonly pageSize: number,
    private readonly pollIntervalMs: number,
    /** true when a failed read is transient and the subscription should retry after a poll */
    private readonly isTransient: (error: unknown) => boolean = () => false,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.index < this.buffer.length) {
        const value = this.buffer[this.index]!;
        this.buffer[this.index++] = undefined as unknown as RecordedEvent; // let it be collected
        return { done: false, value };
      }
      const seq = this.source.sequence();
      let filled: boolean;
      try {
        filled = await this.fill();
      } catch (error) {
        if (this.closed) return { done: true, value: undefined };
        if (!this.isTransient(error)) throw error;
        await this.sleep();
        continue;
      }
      if (this.closed) return { done: true, value: undefined };
      if (filled) continue;
      if (seq !== this.source.sequence()) continue;
      await this.sleep();
    }
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Reads the next page; false when caught up. */
  private async fill(): Promise<boolean> {
    const head = await this.source.head();
    if (head <= this.scanned) return false;
    const rows = await this.source.readRows(this.scanned, head, this.pageSize, this.filter);
    if (this.closed) return false;
    // a short page means everything up to `head` has been looked at
    this.scanned = rows.length === this.pageSize ? this.source.positionOf(rows[rows.length - 1]!) : head;
    this.buffer = rows.map((r) => this.source.toRecorded(r));
    this.index = 0;
    return rows.length > 0;
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waker = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waker = done;
    });
  }

  /** @internal called by the store after a commit */
  wake(): void {
    this.waker?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.index = 0;
    this.source.forget(this);
    this.waker?.();
  }
}
