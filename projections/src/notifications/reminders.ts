/**
 * Reminders before a service starts. The `reminders` read model holds every confirmed
 * service booking with its start; the scheduler reads due ones (start - lead <= now) on
 * each tick, so a restart loses none. Each reminder is a notification keyed by booking and
 * slot start (a reschedule gets a new one), and NotificationSent marks it done.
 */
import {
  loadState,
  streams,
  type CommandContext,
  type ContactDirectory,
  type Doc,
  type DocumentStore,
} from '@booking/shared-kernel';
import { bookingDecider } from '@booking/command';
import type { AnyDecoded, Projector } from '../runtime/projector.js';
import type { ReactorDeps } from '../runtime/reactor.js';
import { reminderSms, templates } from './templates.js';
import type { Notifier } from './notifier.js';
import { bookingFacts } from './notifications-reactor.js';
import { DueReads, ReadAbandonedByStop } from '../reactors/due-reads.js';

export interface ReminderDoc extends Doc {
  bookingId: string;
  /** UTC start of the slot; null until confirmed for services only */
  slotStart: string | null;
  state: 'pending' | 'scheduled' | 'sent' | 'cancelled';
}

const ENDED = new Set(['BookingCancelled', 'BookingExpired', 'BookingCompleted', 'BookingMarkedNoShow']);

export const remindersProjector: Projector = {
  name: 'reminders',
  eventTypes: new Set(['BookingPlaced', 'BookingConfirmed', 'BookingRescheduled', 'NotificationSent', ...ENDED]),
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const reminders = docs.collection<ReminderDoc>('reminders');
    switch (event.type) {
      case 'BookingPlaced':
        if (event.data.kind !== 'service' || !event.data.slot) return;
        await reminders.upsertAt(
          event.data.bookingId,
          { $set: { bookingId: event.data.bookingId, slotStart: event.data.slot.start, state: 'pending' } },
          pos,
        );
        return;
      case 'BookingConfirmed': {
        const doc = await reminders.get(event.data.bookingId);
        if (doc) await reminders.upsertAt(event.data.bookingId, { $set: { state: 'scheduled' } }, pos);
        return;
      }
      case 'BookingRescheduled': {
        const doc = await reminders.get(event.data.bookingId);
        if (doc)
          await reminders.upsertAt(
            event.data.bookingId,
            {
              $set: {
                slotStart: event.data.to.slot.start,
                state: doc.state === 'cancelled' ? 'cancelled' : 'scheduled',
              },
            },
            pos,
          );
        return;
      }
      case 'NotificationSent':
        if (event.data.template !== 'reminder' || event.data.channel !== 'email' || !event.data.bookingId) return;
        if (await reminders.get(event.data.bookingId))
          await reminders.upsertAt(event.data.bookingId, { $set: { state: 'sent' } }, pos);
        return;
      default:
        if (!ENDED.has(event.type)) return;
        {
          const id = (event.data as { bookingId: string }).bookingId;
          if (await reminders.get(id)) await reminders.upsertAt(id, { $set: { state: 'cancelled' } }, pos);
        }
    }
  },
};

export class ReminderScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly dueReads = new DueReads();
  private sent = 0;
  private lastError: string | null = null;

  constructor(
    private readonly deps: ReactorDeps,
    private readonly options: {
      notifier: Notifier;
      contacts: ContactDirectory;
      leadMinutes: number;
      publicBaseUrl: string;
      intervalMs?: number;
    },
  ) {}

  start(): void {
    this.dueReads.start();
    const tick = () => {
      this.running = this.fireDue()
        .then(() => undefined)
        .catch((err: unknown) => {
          if (err instanceof ReadAbandonedByStop) return this.deps.logger.debug({ err }, err.message);
          this.lastError = err instanceof Error ? err.message : String(err);
          this.deps.logger.error({ err }, 'reminder tick failed; retrying next tick');
        })
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs ?? 30_000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Sends every reminder due now (start within the lead time, not yet started). */
  async fireDue(): Promise<number> {
    const now = this.deps.clock.now();
    const horizon = new Date(now.getTime() + this.options.leadMinutes * 60_000).toISOString();
    const due = await this.dueReads.indexed(
      this.deps.docs.collection<ReminderDoc>('reminders'),
      { state: 1, slotStart: 1 },
      (reminders) =>
        reminders.find(
          { state: 'scheduled', slotStart: { $lte: horizon, $gt: now.toISOString() } },
          { sort: { slotStart: 1 }, limit: 200 },
        ),
    );
    for (const r of due) {
      const { state: booking } = await loadState(this.deps.runtime, streams.booking(r.bookingId), bookingDecider);
      const slot = booking.slot ?? booking.placed?.slot;
      if (booking.status !== 'CONFIRMED' || !slot || slot.start !== r.slotStart) continue;
      const customer = await this.options.contacts.contact(booking.placed!.customerId);
      const facts = bookingFacts(booking, customer?.name ?? 'customer', this.options.publicBaseUrl);
      const causeKey = `reminder:${r.bookingId}:${r.slotStart}`;
      const ctx: CommandContext = {
        actor: { id: 'reactor:reminders', role: 'system' },
        correlationId: r.bookingId,
        causationId: causeKey,
      };
      const common = {
        causeKey,
        causeEventId: causeKey,
        to: customer,
        bookingId: r.bookingId,
        template: 'reminder' as const,
      };
      await this.options.notifier.sms(this.deps, ctx, { ...common, body: reminderSms(facts) });
      await this.options.notifier.email(this.deps, ctx, { ...common, mail: templates.reminder(facts) });
      this.sent++;
    }
    return due.length;
  }

  status() {
    return { sent: this.sent, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.dueReads.stop()) await this.running;
  }
}
