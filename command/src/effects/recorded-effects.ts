/**
 * Deciders that record effects once: a notification (`notification-<id>`, the id derived
 * from the causing event, template and channel) and TikTok conversions of a booking
 * (`conversions-<bookingId>`, one per TikTok event_id).
 */
import type { ConversionForwarded, Decider, EventOf, NotificationSent } from '@booking/shared-kernel';

export const effectStreams = {
  notification: (notificationId: string) => `notification-${notificationId}`,
  conversions: (bookingId: string) => `conversions-${bookingId}`,
} as const;

type NotificationEvent = EventOf<'NotificationSent', NotificationSent>;
export interface NotificationState {
  readonly sent: NotificationSent | null;
}
export const notificationDecider: Decider<
  { type: 'RecordNotification'; data: NotificationSent },
  NotificationState,
  NotificationEvent
> = {
  initialState: { sent: null },
  decide(command, state) {
    return state.sent ? [] : [{ type: 'NotificationSent', data: command.data }];
  },
  evolve(_state, event) {
    return { sent: event.data };
  },
};

type ConversionEvent = EventOf<'ConversionForwarded', ConversionForwarded>;
export interface ConversionsState {
  /** TikTok event_id -> what happened */
  readonly forwarded: ReadonlyMap<string, ConversionForwarded>;
}
export const conversionsDecider: Decider<
  { type: 'RecordConversion'; data: ConversionForwarded },
  ConversionsState,
  ConversionEvent
> = {
  initialState: { forwarded: new Map() },
  decide(command, state) {
    return state.forwarded.has(command.data.eventId) ? [] : [{ type: 'ConversionForwarded', data: command.data }];
  },
  evolve(state, event) {
    const forwarded = new Map(state.forwarded);
    forwarded.set(event.data.eventId, event.data);
    return { forwarded };
  },
};
