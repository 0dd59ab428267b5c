/**
 * Runs each reactor as a consumer group `reactor-<name>` on the message bus, over the
 * topics its event types are published on (by the relay). The bus awaits the handler and
 * commits only after it succeeded; it retries with backoff and parks what keeps failing
 * (a business-rule refusal or a malformed event at once) on `<topic>.dlq`. A parked event
 * is also recorded in `reactor_dead_letters`, as with the event-store ReactorRunner.
 *
 * Where a reactor starts: a reactor that never ran handles what happens from now on, not
 * history. Its group reads its topics from the beginning but skips events at or before a
 * floor saved once in the document store (`reactor-bus-floor:<name>`): the reactor's
 * checkpoint from the event-store runner when it had one, otherwise the log head. Joining
 * a group takes a moment, so "newest offset" would lose what the relay published meanwhile.
 */
import {
  AppError,
  comparePositions,
  decodeEvent,
  eventCatalogue,
  formatPosition,
  MalformedEventError,
  parseSortablePosition,
  sortablePosition,
  START,
  UnknownEventTypeError,
  withLogContext,
  type BusSubscription,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type MessageBus,
} from '@booking/shared-kernel';
import { reactorContext, type Reactor, type ReactorDeps } from './reactor.js';
import type { DeadLetterDoc } from './reactor-runner.js';
import { topicsForEventTypes, withPrefix } from '../relay/topics.js';

export interface BusReactorRunnerOptions {
  maxAttempts?: number;
  baseBackoffMs?: number;
  /** consumer group name prefix (default `reactor-`) */
  groupPrefix?: string;
  /** prefix of every topic name (KAFKA_TOPIC_PREFIX) */
  topicPrefix?: string;
  /** told each time a reactor parks an event (metrics) */
  onParked?: (reactor: string) => void;
}

interface Running {
  reactor: Reactor;
  group: string;
  topics: string[];
  floor: GlobalPosition;
  lastSeen: GlobalPosition;
  subscription: BusSubscription | null;
}

export function isPermanentReactorError(err: unknown): boolean {
  if (err instanceof MalformedEventError || err instanceof UnknownEventTypeError) return true;
  // A business rule that refused the effect will refuse it again.
  return err instanceof AppError && err.kind !== 'conflict' && err.kind !== 'unavailable';
}

export class BusReactorRunner {
  readonly source = 'bus' as const;
  private readonly running: Running[] = [];
  private stopping = false;
  private handled = 0;
  private deadLetters = 0;
  private lastError: string | null = null;
  private starting: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly bus: MessageBus,
    private readonly reactors: readonly Reactor[],
    private readonly deps: ReactorDeps,
    private readonly logger: Logger,
    private readonly options: BusReactorRunnerOptions = {},
  ) {}

  /** Resolves once every reactor's floor is saved; the groups join in the background
   *  (retrying while the broker is unreachable): await `ready()` for that. */
  async start(): Promise<void> {
    this.stopping = false;
    for (const reactor of this.reactors) {
      const floorKey = `reactor-bus-floor:${reactor.name}`;
      const saved =
        (await this.deps.docs.getCheckpoint(floorKey)) ??
        (await this.deps.docs.getCheckpoint(`reactor:${reactor.name}`));
      const floor = saved ? parseSortablePosition(saved) : await this.store.headPosition();
      await this.deps.docs.saveCheckpoint(floorKey, sortablePosition(floor));
      this.running.push({
        reactor,
        group: `${this.options.groupPrefix ?? 'reactor-'}${reactor.name}`,
        topics: topicsForEventTypes(reactor.eventTypes).map((t) => withPrefix(this.options.topicPrefix, t)),
        floor,
        lastSeen: floor,
        subscription: null,
      });
    }
    await this.deps.docs.flush();
    this.starting = Promise.all(this.running.map((r) => this.join(r))).then(() => undefined);
  }

  /** every group joined (or the runner stopped) */
  ready(): Promise<void> {
    return this.starting ?? Promise.resolve();
  }

  private async join(r: Running): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        r.subscription = await this.bus.subscribe(r.group, r.topics, (m) => this.handle(r, decodeEvent(m)), {
          fromBeginning: true,
          maxAttempts: this.options.maxAttempts ?? 5,
          baseBackoffMs: this.options.baseBackoffMs ?? 100,
          isPermanent: isPermanentReactorError,
          onParked: (m, reason, attempts) => this.park(r, m.value, m.headers, reason, attempts),
        });
        if (this.stopping) await r.subscription.close();
        return;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5));
        this.logger.error(
          { err, group: r.group, delayMs: delay },
          'reactor could not join its consumer group; retrying',
        );
        await new Promise<void>((res) => {
          const t = setTimeout(res, delay);
          this.wake = () => {
            clearTimeout(t);
            res();
          };
        });
      }
    }
  }

  private async handle(r: Running, recorded: ReturnType<typeof decodeEvent>): Promise<void> {
    if (comparePositions(recorded.position, r.lastSeen) > 0) r.lastSeen = recorded.position;
    if (!r.reactor.eventTypes.has(recorded.type)) return;
    if (comparePositions(recorded.position, r.floor) <= 0) return;
    const event = eventCatalogue.decode<DomainEvent>(recorded);
    const ctx = reactorContext(r.reactor.name, event);
    try {
      await withLogContext({ correlationId: ctx.correlationId, causationId: ctx.causationId }, () =>
        r.reactor.handle(event, this.deps, ctx),
      );
      this.handled++;
    } catch (err) {
      this.lastError = `${r.reactor.name}: ${err instanceof Error ? err.message : String(err)}`;
      throw err;
    }
  }

  private async park(
    r: Running,
    value: string,
    headers: Readonly<Record<string, string>>,
    reason: string,
    attempts: number,
  ): Promise<void> {
    this.deadLetters++;
    this.options.onParked?.(r.reactor.name);
    let eventId = headers['event-id'] ?? 'unknown';
    let eventType = headers['event-type'] ?? 'unknown';
    let streamId = headers['stream-id'] ?? 'unknown';
    let position = START;
    try {
      const e = decodeEvent({ value, topic: '', offset: '' });
      ({ streamId } = e);
      eventId = e.metadata.eventId;
      eventType = e.type;
      position = e.position;
    } catch {
      // malformed: keep what the headers say
    }
    this.logger.error(
      { reactor: r.reactor.name, eventId, type: eventType, attempts, reason },
      'reactor gave up on an event; parked on the dead-letter topic',
    );
    await this.deps.docs.collection<DeadLetterDoc>('reactor_dead_letters').upsertAt(
      `${r.reactor.name}|${eventId}`,
      {
        $set: {
          reactor: r.reactor.name,
          eventId,
          eventType,
          streamId,
          position: formatPosition(position),
          error: reason,
          attempts,
          at: this.deps.clock.now().toISOString(),
        },
      },
      sortablePosition(position),
    );
  }

  status() {
    return {
      source: this.source,
      running: this.running.length > 0 && !this.stopping,
      handled: this.handled,
      deadLetters: this.deadLetters,
      lastError: this.lastError,
      reactors: this.running.map((r) => {
        const s = r.subscription?.status();
        return {
          name: r.reactor.name,
          group: r.group,
          topics: r.topics,
          /** the newest event this group has seen (partitions interleave: not a checkpoint) */
          position: formatPosition(r.lastSeen),
          joined: s?.running ?? false,
          handled: s?.handled ?? 0,
          parked: s?.parked ?? 0,
        };
      }),
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.starting;
    await Promise.all(this.running.map((r) => r.subscription?.close()));
    this.running.length = 0;
  }
}
