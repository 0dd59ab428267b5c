/**
 * Fires due booking holds. Due holds are read from the `capacity_holds` read model, so a
 * restart loses none: whatever was due while the process was down fires on the next tick.
 * A PENDING booking whose hold lapsed expires (the capacity-release reactor then frees its
 * seat); a hold whose booking was never recorded, or that a reschedule left behind, is
 * released as orphaned.
 */
import { DomainRuleError, executeCommand, loadState, streams, type CommandContext } from '@booking/shared-kernel';
import { bookingDecider, capacityDecider } from '@booking/command';
import type { ReactorDeps } from '../runtime/reactor.js';
import type { CapacityHoldDoc } from '../read-models.js';
import { DueReads, ReadAbandonedByStop } from './due-reads.js';

export class HoldExpiryScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly dueReads = new DueReads();
  private fired = 0;
  private lastError: string | null = null;

  constructor(
    private readonly deps: ReactorDeps,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.dueReads.start();
    const tick = () => {
      this.running = this.fireDue()
        .then(() => undefined)
        .catch((err: unknown) => {
          if (err instanceof ReadAbandonedByStop) return this.deps.logger.debug({ err }, err.message);
          this.lastError = err instanceof Error ? err.message : String(err);
          this.deps.logger.error({ err }, 'hold expiry tick failed; retrying next tick');
        })
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Fires every hold due now; returns how many it handled. */
  async fireDue(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.dueReads.indexed(
      this.deps.docs.collection<CapacityHoldDoc>('capacity_holds'),
      { state: 1, expiresAt: 1 },
      (holds) =>
        holds.find({ state: 'held', expiresAt: { $lte: now.toISOString() } }, { sort: { expiresAt: 1 }, limit: 500 }),
    );
    for (const hold of due) {
      await this.fire(hold, now);
      this.fired++;
    }
    return due.length;
  }

  private async fire(hold: CapacityHoldDoc, now: Date): Promise<void> {
    const ctx: CommandContext = {
      actor: { id: 'reactor:hold-expiry', role: 'system' },
      correlationId: hold.bookingId,
      causationId: `hold-expiry:${hold._id}`,
    };
    const { state: booking } = await loadState(this.deps.runtime, streams.booking(hold.bookingId), bookingDecider);
    if (booking.status === 'PENDING' && booking.capacityStreamId === hold.streamId) {
      try {
        await executeCommand(
          this.deps.runtime,
          streams.booking(hold.bookingId),
          bookingDecider,
          { type: 'ExpireBooking', now },
          ctx,
        );
      } catch (err) {
        if (!(err instanceof DomainRuleError)) throw err;
      }
      return;
    }
    const ownsHold = booking.placed !== null && booking.capacityStreamId === hold.streamId;
    if (!ownsHold || booking.status === 'CANCELLED' || booking.status === 'EXPIRED') {
      await executeCommand(
        this.deps.runtime,
        hold.streamId,
        capacityDecider,
        {
          type: 'ReleaseCapacity',
          bookingId: hold.bookingId,
          reason: ownsHold ? 'expired' : 'orphaned',
          note: ownsHold ? '' : 'no booking holds this capacity',
        },
        ctx,
      );
    }
  }

  status() {
    return { fired: this.fired, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.dueReads.stop()) await this.running;
  }
}
