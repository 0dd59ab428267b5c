/**
 * The relay role: follows the event store's global log from its checkpoint and publishes
 * every committed event to its bounded context's topic (`booking-events`, ...), keyed by
 * stream id so one stream's events stay in order. The checkpoint (in the document store,
 * `relay:<name>`) moves only after the broker acknowledged the batch, so a restart neither
 * loses events nor floods the topics: at most the last unacknowledged batch is published
 * again (at least once; consumers dedupe by event id or act through idempotent commands).
 *
 * Run ONE relay per event store (two would publish everything twice, harmlessly but
 * wastefully).
 */
import {
  encodeEvent,
  formatPosition,
  parseSortablePosition,
  sortablePosition,
  START,
  type DocumentStore,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type MessageBus,
  type OutgoingMessage,
  type RecordedEvent,
  type Subscription,
} from '@booking/shared-kernel';
import { ALL_TOPICS, topicForEvent, withPrefix } from './topics.js';
import { PublishSpans } from './publish-spans.js';

export interface RelayOptions {
  /** checkpoint name (default `relay`) */
  name?: string;
  /** most events per publish (default 500) */
  batchSize?: number;
  /** longest wait between attempts while the broker is unreachable (default 5 s) */
  maxBackoffMs?: number;
  /** prefix of every topic name (KAFKA_TOPIC_PREFIX) */
  topicPrefix?: string;
}

export interface RelayStatus {
  running: boolean;
  position: string;
  published: number;
  skipped: number;
  batches: number;
  failures: number;
  lastError: string | null;
  lastPublishedAt: string | null;
}

const NOT_READY = Symbol('not ready');

export class Relay {
  private position: GlobalPosition = START;
  private loop: Promise<void> | null = null;
  private subscription: Subscription | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private published = 0;
  private skipped = 0;
  private batches = 0;
  private failures = 0;
  private lastError: string | null = null;
  private lastPublishedAt: string | null = null;
  private topicsReady = false;

  constructor(
    private readonly store: EventStore,
    private readonly docs: DocumentStore,
    private readonly bus: MessageBus,
    private readonly logger: Logger,
    private readonly options: RelayOptions = {},
  ) {}

  /** its checkpoint name (one relay per event store) */
  get name(): string {
    return this.options.name ?? 'relay';
  }

  private get key(): string {
    return `relay:${this.name}`;
  }

  async start(): Promise<void> {
    const saved = await this.docs.getCheckpoint(this.key);
    // A relay that never ran publishes the whole log: the topics are the integration
    // history; consumer groups decide where they start.
    this.position = saved ? parseSortablePosition(saved) : START;
    this.stopping = false;
    this.loop = this.run();
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
    this.wake = null;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.topicsReady) {
          await this.bus.ensureTopics(
            ALL_TOPICS.map((t) => withPrefix(this.options.topicPrefix, t)),
            { withDlq: true },
          );
          this.topicsReady = true;
        }
        await this.follow();
      } catch (err) {
        if (this.stopping) break;
        this.failures++;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error(
          { err, position: formatPosition(this.position) },
          'relay failed; resuming from its checkpoint',
        );
        await this.sleep(1000);
      } finally {
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
      }
    }
  }

  /** One subscription from the checkpoint; returns when it ends or the relay stops. */
  private async follow(): Promise<void> {
    const sub = this.store.subscribeToAll({ after: this.position });
    this.subscription = sub;
    const it = sub[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | null = null;
    const batchSize = this.options.batchSize ?? 500;
    while (!this.stopping) {
      const first: IteratorResult<RecordedEvent> = await (pending ?? it.next());
      pending = null;
      if (first.done) return;
      const batch = [first.value];
      let ended = false;
      // take whatever else is ready at once, up to the batch size
      while (batch.length < batchSize) {
        pending = it.next();
        const r = await Promise.race([
          pending,
          new Promise<typeof NOT_READY>((res) => setImmediate(() => res(NOT_READY))),
        ]);
        if (r === NOT_READY) break;
        pending = null;
        if (r.done) {
          ended = true;
          break;
        }
        batch.push(r.value);
      }
      if (!(await this.publish(batch))) return;
      if (ended) return;
    }
  }

  /** Publishes a batch, retrying while the broker is down; then moves the checkpoint. */
  private async publish(batch: readonly RecordedEvent[]): Promise<boolean> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    const spans = new PublishSpans();
    let skipped = 0;
    for (const event of batch) {
      const type = topicForEvent(event.type);
      const topic = type && withPrefix(this.options.topicPrefix, type);
      if (!topic) {
        skipped++;
        continue;
      }
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(encodeEvent(spans.prepare(event, topic)));
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all([...byTopic].map(([topic, messages]) => this.bus.publish(topic, messages)));
        break;
      } catch (err) {
        this.failures++;
        this.lastError = err instanceof Error ? err.message : String(err);
        if (this.stopping) {
          spans.end(err);
          return false;
        }
        const delay = Math.min(this.options.maxBackoffMs ?? 5000, 200 * 2 ** Math.min(attempt - 1, 10));
        this.logger.warn({ err, attempt, delayMs: delay, events: batch.length }, 'relay could not publish; retrying');
        await this.sleep(delay);
        if (this.stopping) {
          spans.end(err);
          return false;
        }
      }
    }
    spans.end();
    const last = batch[batch.length - 1]!;
    this.position = last.position;
    await this.docs.saveCheckpoint(this.key, sortablePosition(last.position));
    await this.docs.flush();
    this.published += batch.length - skipped;
    this.skipped += skipped;
    this.batches++;
    this.lastError = null;
    this.lastPublishedAt = new Date().toISOString();
    return true;
  }

  status(): RelayStatus {
    return {
      running: this.loop !== null && !this.stopping,
      position: formatPosition(this.position),
      published: this.published,
      skipped: this.skipped,
      batches: this.batches,
      failures: this.failures,
      lastError: this.lastError,
      lastPublishedAt: this.lastPublishedAt,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
    this.loop = null;
  }
}
