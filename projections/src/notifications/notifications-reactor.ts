/**
 * Mail for a booking's life: confirmation (with an .ics for services), receipt (PDF
 * attached), credit note / refund (PDF attached) and cancellation; a confirmation SMS when
 * the customer gave a phone and did not opt out of SMS (recorded, not sent, without TWILIO_*).
 * Opt-outs come from the contact (`notification_preferences`): an opted-out mail is recorded
 * as NotificationSent with outcome `skipped`.
 */
import {
  loadState,
  streams,
  type CommandContext,
  type ContactDirectory,
  type ObjectStore,
} from '@booking/shared-kernel';
import { bookingDecider, type BookingState } from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';
import { bookingIcs, confirmationSms, templates, type BookingFacts } from './templates.js';
import type { Notifier } from './notifier.js';

export interface NotificationsReactorOptions {
  notifier: Notifier;
  contacts: ContactDirectory;
  objects: ObjectStore;
  publicBaseUrl: string;
}

export function bookingFacts(booking: BookingState, name: string, publicBaseUrl: string): BookingFacts {
  const placed = booking.placed!;
  return {
    name,
    bookingId: placed.bookingId,
    title: placed.offeringTitle,
    quantity: placed.quantity,
    slot: booking.slot ?? placed.slot ?? null,
    total: placed.total,
    link: `${publicBaseUrl.replace(/\/$/, '')}/bookings/${placed.bookingId}`,
  };
}

export function notificationsReactor(options: NotificationsReactorOptions): Reactor {
  const { notifier, contacts, objects } = options;
  return {
    name: 'notifications',
    eventTypes: new Set(['BookingConfirmed', 'BookingCancelled', 'ReceiptIssued', 'CreditNoteIssued']),
    async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
      const bookingId = (event.data as { bookingId?: string }).bookingId;
      if (!bookingId) return;
      const { state: booking } = await loadState(deps.runtime, streams.booking(bookingId), bookingDecider);
      if (!booking.placed) throw new Error(`booking ${bookingId} does not exist`);
      const customer = await contacts.contact(booking.placed.customerId);
      const facts = bookingFacts(booking, customer?.name ?? 'customer', options.publicBaseUrl);
      const common = {
        causeKey: event.metadata.eventId,
        causeEventId: event.metadata.eventId,
        to: customer,
        bookingId,
      };
      switch (event.type) {
        case 'BookingConfirmed': {
          const slot = facts.slot;
          const attachments =
            booking.placed.kind === 'service' && slot
              ? [
                  {
                    filename: 'booking.ics',
                    contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
                    content: bookingIcs({
                      bookingId,
                      title: facts.title,
                      slot,
                      organizer: (await contacts.contact(booking.placed.providerId))?.name ?? booking.placed.providerId,
                      stampedAt: event.metadata.recordedAt,
                      link: facts.link,
                    }),
                  },
                ]
              : [];
          await notifier.email(deps, ctx, {
            ...common,
            template: 'booking-confirmation',
            mail: templates['booking-confirmation'](facts),
            attachments,
          });
          // only with a phone on file and SMS not opted out (the notifier checks both)
          await notifier.sms(deps, ctx, {
            ...common,
            template: 'booking-confirmation',
            body: confirmationSms(facts),
          });
          return;
        }
        case 'BookingCancelled':
          await notifier.email(deps, ctx, {
            ...common,
            template: 'cancellation',
            mail: templates.cancellation({ ...facts, reason: event.data.reason }),
          });
          return;
        case 'ReceiptIssued':
        case 'CreditNoteIssued': {
          const pdf = await objects.get(event.data.objectKey);
          if (!pdf) throw new Error(`receipt ${event.data.number}: object ${event.data.objectKey} is missing`);
          const attachments = [
            { filename: `${event.data.number}.pdf`, contentType: 'application/pdf', content: pdf.body },
          ];
          const money = { ...facts, total: event.data.total, number: event.data.number };
          if (event.type === 'ReceiptIssued') {
            await notifier.email(deps, ctx, {
              ...common,
              template: 'receipt',
              mail: templates.receipt(money),
              attachments,
            });
          } else {
            await notifier.email(deps, ctx, {
              ...common,
              template: 'credit-note',
              mail: templates['credit-note']({ ...money, reason: event.data.reason }),
              attachments,
            });
          }
          return;
        }
      }
    },
  };
}
