/**
 * An event store that counts what is read from streams, so a test can tell a snapshot load
 * from a full fold, or a command that skipped its read from one that did not.
 */
import type { EventStore, ReadStreamOptions, RecordedEvent } from '../../src/index.js';

export class ReadCountingEventStore implements EventStore {
  /** readStream calls */
  reads = 0;
  /** events those calls returned */
  eventsRead = 0;
  /** appendToStreams calls */
  multiStreamAppends = 0;
  /** present exactly when the wrapped store has it */
  readonly appendToStreams?: EventStore['appendToStreams'];
  constructor(private readonly inner: EventStore) {
    const multi = inner.appendToStreams?.bind(inner);
    if (multi)
      this.appendToStreams = (appends) => {
        this.multiStreamAppends++;
        return multi(appends);
      };
  }
  append: EventStore['append'] = (...args) => this.inner.append(...args);
  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.reads++;
    const events = await this.inner.readStream(streamId, options);
    this.eventsRead += events.length;
    return events;
  }
  readAll: EventStore['readAll'] = (...args) => this.inner.readAll(...args);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.inner.subscribeToAll(...args);
  close: EventStore['close'] = () => this.inner.close();
}
