/**
 * Follows the event log for a set of reactors with one subscription. Each reactor has its
 * own checkpoint; an event is retried with backoff while it fails, and after
 * `maxAttempts` (at once for a business-rule refusal, which no retry changes) it is parked in `reactor_dead_letters` (logged as an error, shown on the
 * status endpoint) so one poisoned event cannot stop every other effect.
 */
import {
  AppError,
  comparePositions,
  eventCatalogue,
  formatPosition,
  parseSortablePosition,
  sortablePosition,
  START,
  type DomainEvent,
  type GlobalPosition,
  type Logger,
  type Subscription,
  type EventStore,
  withLogContext,
} from '@booking/shared-kernel';
import { reactorContext, type Reactor, type ReactorDeps } from './reactor.js';

export interface DeadLetterDoc {
  _id: string;
  reactor: string;
  eventId: string;
  eventType: string;
  streamId: string;
  position: string;
  error: string;
  attempts: number;
  at: string;
}

export interface ReactorRunnerOptions {
  maxAttempts?: number;
  baseBackoffMs?: number;
  /** told each time a reactor parks an event (metrics) */
  onParked?: (reactor: string) => void;
  /** how often the reactors' moved checkpoints are saved and the document store flushed
   *  (default 1000 ms): a crash re-delivers at most about this long of events */
  checkpointEveryMs?: number;
}

export class ReactorRunner {
  private readonly checkpoints = new Map<string, GlobalPosition>();
  /** what each reactor's saved checkpoint says (found at start or saved since) */
  private readonly saved = new Map<string, GlobalPosition>();
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private handled = 0;
  private deadLetters = 0;
  private lastError: string | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly reactors: readonly Reactor[],
    private readonly deps: ReactorDeps,
    private readonly logger: Logger,
    private readonly options: ReactorRunnerOptions = {},
  ) {}

  private key(reactor: Reactor): string {
    return `reactor:${reactor.name}`;
  }

  async start(): Promise<void> {
    let from: GlobalPosition | null = null;
    for (const r of this.reactors) {
      const saved = await this.deps.docs.getCheckpoint(this.key(r));
      // A reactor that never ran starts from the head: effects are for what happens from
      // now on, not a replay of history.
      const position = saved ? parseSortablePosition(saved) : await this.store.headPosition();
      this.checkpoints.set(r.name, position);
      this.saved.set(r.name, position);
      if (!saved) await this.deps.docs.saveCheckpoint(this.key(r), sortablePosition(position));
      if (from === null || comparePositions(position, from) < 0) from = position;
    }
    await this.deps.docs.flush();
    this.stopping = false;
    this.loop = this.run(from ?? START);
  }

  private async run(from: GlobalPosition): Promise<void> {
    let position = from;
    while (!this.stopping) {
      try {
        this.subscription = this.store.subscribeToAll({ after: position });
        for await (const recorded of this.subscription) {
          const event = eventCatalogue.decode<DomainEvent>(recorded);
          for (const reactor of this.reactors) {
            if (comparePositions(recorded.position, this.checkpoints.get(reactor.name)!) <= 0) continue;
            if (reactor.eventTypes.has(event.type)) await this.deliver(reactor, event);
            this.checkpoints.set(reactor.name, recorded.position);
          }
          position = recorded.position;
          this.scheduleFlush();
          if (this.stopping) break;
        }
      } catch (err) {
        if (this.stopping) break;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error({ err, position: formatPosition(position) }, 'reactor subscription failed; resubscribing');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private flushTimer: NodeJS.Timeout | null = null;

  /** Checkpoints are made durable in the background: an effect is itself a durable,
   *  idempotent command, so a checkpoint that lags only means a harmless re-delivery.
   *  Once a second by default: on the embedded store each save is a commit of everything
   *  the store holds unwritten (the projector's documents too), and at every 100 ms it was
   *  half of that store's commits under steady load, on the event loop's thread.
   *  Writes every reactor's checkpoint that moved (a few writes per interval, not one per
   *  event per reactor: on a remote document store that difference is the reactors'
   *  throughput), and flushes only when one did. */
  private async saveCheckpoints(): Promise<void> {
    const saving: [string, GlobalPosition][] = [];
    for (const reactor of this.reactors) {
      const position = this.checkpoints.get(reactor.name);
      const saved = this.saved.get(reactor.name);
      if (position && (!saved || comparePositions(position, saved) !== 0)) {
        await this.deps.docs.saveCheckpoint(this.key(reactor), sortablePosition(position));
        saving.push([reactor.name, position]);
      }
    }
    if (saving.length === 0) return;
    await this.deps.docs.flush();
    for (const [name, position] of saving) this.saved.set(name, position);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.saveCheckpoints().catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error({ err }, 'saving reactor checkpoints failed');
      });
    }, this.options.checkpointEveryMs ?? 1000);
  }

  private async deliver(reactor: Reactor, event: Parameters<Reactor['handle']>[0]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const ctx = reactorContext(reactor.name, event);
    for (let attempt = 1; ; attempt++) {
      try {
        await withLogContext({ correlationId: ctx.correlationId, causationId: ctx.causationId }, () =>
          reactor.handle(event, this.deps, ctx),
        );
        this.handled++;
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.lastError = `${reactor.name}: ${message}`;
        // A business rule that refused the effect will refuse it again: park it at once.
        const permanent = err instanceof AppError && err.kind !== 'conflict' && err.kind !== 'unavailable';
        if (permanent || attempt >= maxAttempts || this.stopping) {
          this.deadLetters++;
          this.options.onParked?.(reactor.name);
          this.logger.error(
            { err, reactor: reactor.name, eventId: event.metadata.eventId, type: event.type, attempts: attempt },
            'reactor gave up on an event; parked as a dead letter',
          );
          await this.deps.docs.collection<DeadLetterDoc>('reactor_dead_letters').upsertAt(
            `${reactor.name}|${event.metadata.eventId}`,
            {
              $set: {
                reactor: reactor.name,
                eventId: event.metadata.eventId,
                eventType: event.type,
                streamId: event.streamId,
                position: formatPosition(event.position),
                error: message,
                attempts: attempt,
                at: this.deps.clock.now().toISOString(),
              },
            },
            sortablePosition(event.position),
          );
          return;
        }
        this.logger.warn(
          { err, reactor: reactor.name, eventId: event.metadata.eventId, attempt },
          'reactor failed; retrying',
        );
        await new Promise((r) => setTimeout(r, (this.options.baseBackoffMs ?? 50) * 2 ** (attempt - 1)));
      }
    }
  }

  status() {
    return {
      running: this.loop !== null && !this.stopping,
      handled: this.handled,
      deadLetters: this.deadLetters,
      lastError: this.lastError,
      reactors: this.reactors.map((r) => ({
        name: r.name,
        position: formatPosition(this.checkpoints.get(r.name) ?? START),
      })),
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.saveCheckpoints();
  }
}
