/**
 * Forwards conversions to TikTok: InitiateCheckout on PaymentStarted, Purchase (or
 * CompletePayment) on PaymentSucceeded / PaymentMarkedPaid, plus Schedule for a service
 * appointment. The event_id is derived from the booking and the event name
 * (`<bookingId>-<EventName>`), the same id the browser pixel sends, so TikTok deduplicates
 * pixel and server events and any resend after a crash. Each delivery is recorded once as
 * ConversionForwarded on `conversions-<bookingId>`.
 */
import {
  UnavailableError,
  executeCommand,
  loadState,
  minorUnitExponent,
  streams,
  type CommandContext,
  type ContactDirectory,
  type ConversionForwarded,
} from '@booking/shared-kernel';
import { bookingDecider, conversionsDecider, effectStreams } from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';
import { normaliseEmail, normalisePhone, sha256Hex } from '../effects/hashing.js';
import { TikTokRetryableError, type TikTokEvent, type TikTokEventsClient } from './tiktok-client.js';

export interface ConversionsReactorOptions {
  client: TikTokEventsClient;
  contacts: ContactDirectory;
  purchaseEventName: 'Purchase' | 'CompletePayment';
  testEventCode: string | null;
  publicBaseUrl: string;
}

/** The event_id shared with the browser pixel. */
export const tiktokEventId = (bookingId: string, eventName: string): string => `${bookingId}-${eventName}`;

export function conversionsReactor(options: ConversionsReactorOptions): Reactor {
  return {
    name: 'conversions',
    eventTypes: new Set(['PaymentStarted', 'PaymentSucceeded', 'PaymentMarkedPaid']),
    async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
      if (event.type !== 'PaymentStarted' && event.type !== 'PaymentSucceeded' && event.type !== 'PaymentMarkedPaid')
        return;
      const { bookingId } = event.data;
      const { state: booking } = await loadState(deps.runtime, streams.booking(bookingId), bookingDecider);
      const placed = booking.placed;
      if (!placed) throw new Error(`booking ${bookingId} does not exist`);
      const names =
        event.type === 'PaymentStarted'
          ? ['InitiateCheckout']
          : [options.purchaseEventName, ...(placed.kind === 'service' ? ['Schedule'] : [])];
      const stream = effectStreams.conversions(bookingId);
      const { state } = await loadState(deps.runtime, stream, conversionsDecider);
      const pending = names.filter((n) => !state.forwarded.has(tiktokEventId(bookingId, n)));
      if (pending.length === 0) return;

      const contact = await options.contacts.contact(placed.customerId);
      const phone = contact?.phone ? normalisePhone(contact.phone) : null;
      const exp = minorUnitExponent(placed.total.currency);
      const major = (minor: number) => Number((minor / 10 ** exp).toFixed(exp));
      const user: TikTokEvent['user'] = {
        external_id: sha256Hex(placed.customerId.trim().toLowerCase()),
        ...(contact?.email ? { email: sha256Hex(normaliseEmail(contact.email)) } : {}),
        ...(phone ? { phone: sha256Hex(phone) } : {}),
        ...(placed.attribution.ttclid ? { ttclid: placed.attribution.ttclid } : {}),
        ...(placed.client?.ip ? { ip: placed.client.ip } : {}),
        ...(placed.client?.userAgent ? { user_agent: placed.client.userAgent } : {}),
      };
      const eventTime = Math.floor(Date.parse(event.metadata.recordedAt) / 1000);
      const events: TikTokEvent[] = pending.map((name) => ({
        event: name,
        event_time: eventTime,
        event_id: tiktokEventId(bookingId, name),
        user,
        page: { url: `${options.publicBaseUrl.replace(/\/$/, '')}/offerings/${placed.offeringId}` },
        properties: {
          contents: [
            {
              content_id: placed.offeringId,
              content_type: 'product',
              content_name: placed.offeringTitle,
              quantity: placed.quantity,
              price: major(placed.unitPrice.amount),
            },
          ],
          content_type: 'product',
          currency: placed.total.currency,
          value: major(placed.total.amount),
          order_id: bookingId,
        },
      }));
      let results;
      try {
        results = await options.client.track(events);
      } catch (err) {
        // retried by the reactor runner with backoff, then parked as a dead letter
        if (err instanceof TikTokRetryableError) throw new UnavailableError(err.message);
        throw err;
      }
      for (const { events: sent, result } of results) {
        for (const e of sent) {
          const data: ConversionForwarded = {
            bookingId,
            eventName: e.event,
            eventId: e.event_id,
            outcome: result.outcome,
            attempts: result.attempts,
            causeEventId: event.metadata.eventId,
            ...(result.code !== undefined ? { code: result.code } : {}),
            ...(result.message ? { message: result.message } : {}),
            ...(options.testEventCode && result.outcome !== 'dry-run' ? { testEventCode: options.testEventCode } : {}),
          };
          if (result.outcome === 'parked')
            deps.logger.error(
              { bookingId, eventName: e.event, code: result.code, message: result.message },
              'TikTok refused a conversion; parked',
            );
          await executeCommand(deps.runtime, stream, conversionsDecider, { type: 'RecordConversion', data }, ctx);
        }
      }
    },
  };
}
