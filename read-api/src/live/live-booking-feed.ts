/**
 * Pushes changes of the bookings read model to live subscribers (Server-Sent Events).
 *
 * Driven by the projections' progress: when the bookings read model has durably reached a
 * position, the feed reads the bookings changed since its last round — by id when the
 * projection runner says which documents it wrote, else by one query for the bookings
 * whose `_pos` (the position of the last event applied to the document) lies between what
 * was dispatched and that position — and each subscriber gets those it may see. With
 * nobody subscribed, nothing is read.
 *
 * A document carries its latest state and `_pos`, so a booking changed twice in one round
 * is sent once, in its newest state; every event applied to the bookings projection moves
 * at most one booking, so `_pos` is unique within the collection and pages by it are exact.
 */
import {
  comparePositions,
  formatPosition,
  parsePosition,
  parseSortablePosition,
  sortablePosition,
  START,
  type DocumentStore,
  type Filter,
  type GlobalPosition,
  type Logger,
} from '@booking/shared-kernel';
import type { BookingDoc } from '@booking/projections';

/** Tells when a read model has durably moved on. */
export interface ReadModelChanges {
  /**
   * Calls `listener` when the read model of `projector` changed, with a position it now
   * durably includes and, when known, the ids of the documents written since the previous
   * call, by collection (null: unknown, read by position). Returns the unsubscribe function.
   */
  subscribe(
    projector: string,
    listener: (reached: GlobalPosition, written: ReadonlyMap<string, ReadonlySet<string>> | null) => void,
  ): () => void;
}

/** One live stream: what it may see and where its deliveries go. */
export interface BookingSubscriber {
  /** the bookings this subscriber may receive (visibility and its own filter) */
  readonly filter: Filter;
  accepts(doc: BookingDoc): boolean;
  /** a change, in `_pos` order; never one at or before the subscriber's resume position */
  deliver(doc: BookingDoc, position: string): void;
  /** the feed is done with this subscriber: `err` when its missed changes could not be
   *  read, null when the feed closes; the stream ends */
  end(err: Error | null): void;
}

export interface LiveBookingFeedOptions {
  /** documents read per query page */
  pageSize?: number;
  /** after a failed read, retry this much later (ms) */
  retryMs?: number;
}

interface Registration {
  readonly subscriber: BookingSubscriber;
  /** sortable position of the last change delivered (or the resume point) */
  after: string;
  /** live changes held back while the backlog is still being read */
  held: BookingDoc[] | null;
}

const BOTTOM = sortablePosition(START);

export class LiveBookingFeed {
  private readonly registrations = new Set<Registration>();
  /** every change up to here has been dispatched (sortable position); moves with each
   *  document, so a subscriber added between two documents of a round misses nothing */
  private dispatched: string = BOTTOM;
  /** the read model durably includes this (sortable position) */
  private reached: string = BOTTOM;
  /** bookings written but not dispatched yet; null: unknown, read by position */
  private pending: Set<string> | null = new Set();
  private draining: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly pageSize: number;
  private readonly retryMs: number;

  constructor(
    private readonly docs: DocumentStore,
    private readonly changes: ReadModelChanges,
    private readonly logger: Logger,
    options: LiveBookingFeedOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.retryMs = options.retryMs ?? 1000;
  }

  private bookings() {
    return this.docs.collection<BookingDoc>('bookings');
  }

  /** Starts following the read model: changes from now on are dispatched. */
  async start(): Promise<void> {
    // Listen first, then read where the model stands: a change after the read is signalled.
    this.unsubscribe = this.changes.subscribe('bookings', (reached, written) =>
      this.advance(sortablePosition(reached), written ? (written.get('bookings') ?? new Set()) : null),
    );
    // The bookings projector's checkpoint: at or after its newest document (every change
    // before it is history, not news), and read without scanning the collection.
    const at = (await this.docs.getCheckpoint('bookings')) ?? BOTTOM;
    if (at > this.dispatched) this.dispatched = at;
    if (at > this.reached) this.reached = at;
  }

  /** How many streams are open. */
  get size(): number {
    return this.registrations.size;
  }

  /**
   * Adds a subscriber. With `resumeAfter` (a position from an earlier stream), the bookings
   * it may see that changed after it are delivered first, then live changes. Returns the
   * function that removes it.
   */
  subscribe(subscriber: BookingSubscriber, resumeAfter: GlobalPosition | null): () => void {
    const resume = resumeAfter ? sortablePosition(resumeAfter) : null;
    // Without a resume point the stream starts at what is dispatched now.
    const registration: Registration = {
      subscriber,
      after: resume ?? this.dispatched,
      held: resume !== null && resume < this.dispatched ? [] : null,
    };
    this.registrations.add(registration);
    if (registration.held) void this.replay(registration, this.dispatched);
    return () => this.registrations.delete(registration);
  }

  /** Delivers the subscriber's missed changes in (after, upTo], then what was held back. */
  private async replay(registration: Registration, upTo: string): Promise<void> {
    try {
      let from = registration.after;
      for (;;) {
        const page = await this.bookings().find(
          { $and: [registration.subscriber.filter, { _pos: { $gt: from, $lte: upTo } }] },
          { sort: { _pos: 1 }, limit: this.pageSize },
        );
        for (const doc of page) this.deliverTo(registration, doc);
        if (page.length < this.pageSize) break;
        from = page[page.length - 1]!._pos!;
      }
      const held = registration.held ?? [];
      registration.held = null;
      for (const doc of held) this.deliverTo(registration, doc);
    } catch (err) {
      this.registrations.delete(registration);
      this.logger.error({ err }, 'live bookings: reading the missed changes failed');
      registration.subscriber.end(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private deliverTo(registration: Registration, doc: BookingDoc): void {
    const pos = doc._pos!;
    if (pos <= registration.after) return;
    if (!registration.subscriber.accepts(doc)) return;
    registration.after = pos;
    registration.subscriber.deliver(doc, formatPosition(parseSortablePosition(pos)));
  }

  private advance(reached: string, ids: ReadonlySet<string> | null): void {
    this.remember(ids);
    if (reached <= this.reached) return;
    this.reached = reached;
    this.kick();
  }

  private remember(ids: Iterable<string> | null): void {
    if (ids === null) this.pending = null;
    else if (this.pending) for (const id of ids) this.pending.add(id);
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // a signal that came while the last page was being read
      if (this.reached > this.dispatched && this.retryTimer === null) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.reached > this.dispatched) {
      const upTo = this.reached;
      const ids = this.pending;
      this.pending = new Set();
      if (this.registrations.size === 0) {
        this.dispatched = upTo; // nobody listens: nothing to read
        continue;
      }
      try {
        if (ids) await this.dispatchWritten(ids, upTo);
        else await this.dispatchRange(upTo);
        this.dispatched = upTo;
      } catch (err) {
        this.remember(ids);
        this.logger.error({ err }, 'live bookings: reading changed bookings failed; retrying');
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, this.retryMs);
        return;
      }
    }
  }

  /** The bookings with these ids that changed in (dispatched, upTo], in `_pos` order. */
  private async dispatchWritten(ids: ReadonlySet<string>, upTo: string): Promise<void> {
    const list = [...ids];
    const found: BookingDoc[] = [];
    // a point read each (a scan of the embedded store costs far more); a few at a time
    for (let i = 0; i < list.length; i += 16) {
      const docs = await Promise.all(list.slice(i, i + 16).map((id) => this.bookings().get(id)));
      for (const doc of docs) {
        if (!doc?._pos || doc._pos <= this.dispatched) continue;
        // written again after `upTo`: its next round has it
        if (doc._pos > upTo) this.remember([doc._id]);
        else found.push(doc);
      }
    }
    found.sort((a, b) => (a._pos! < b._pos! ? -1 : 1));
    for (const doc of found) this.dispatch(doc);
  }

  /** Every booking whose `_pos` lies in (dispatched, upTo], page by page. */
  private async dispatchRange(upTo: string): Promise<void> {
    let from = this.dispatched;
    for (;;) {
      const page = await this.bookings().find(
        { _pos: { $gt: from, $lte: upTo } },
        { sort: { _pos: 1 }, limit: this.pageSize },
      );
      for (const doc of page) this.dispatch(doc);
      if (page.length < this.pageSize) break;
      from = page[page.length - 1]!._pos!;
    }
  }

  private dispatch(doc: BookingDoc): void {
    this.dispatched = doc._pos!;
    for (const registration of this.registrations) {
      if (registration.held) {
        if (registration.subscriber.accepts(doc)) registration.held.push(doc);
      } else {
        this.deliverTo(registration, doc);
      }
    }
  }

  /** Stops following the read model and ends every stream (platform stop). */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const open = [...this.registrations];
    this.registrations.clear();
    for (const r of open) r.subscriber.end(null);
  }
}

/** The position a `Last-Event-ID` names, or null when it names none. */
export function resumePosition(text: string): GlobalPosition | null {
  try {
    const position = parsePosition(text.trim());
    return comparePositions(position, START) > 0 ? position : null;
  } catch {
    return null;
  }
}
