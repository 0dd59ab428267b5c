/**
 * Deciders that record effects once: a notification (`notification-<id>`, the id derived
 * from the causing event, template and channel; an intent before each hand-off) and TikTok conversions of a booking
 * (`conversions-<bookingId>`, one per TikTok event_id).
 */
import type {
  ConversionForwarded,
  Decider,
  EventOf,
  NotificationIntended,
  NotificationSent,
} from '@booking/shared-kernel';

export const effectStreams = {
  notification: (notificationId: string) => `notification-${notificationId}`,
  conversions: (bookingId: string) => `conversions-${bookingId}`,
} as const;

type NotificationEvent =
  EventOf<'NotificationIntended', NotificationIntended> | EventOf<'NotificationSent', NotificationSent>;
export interface NotificationState {
  /** the latest hand-off to the provider (null before the first) */
  readonly intended: NotificationIntended | null;
  readonly sent: NotificationSent | null;
}
export type NotificationCommand =
  | { type: 'IntendNotification'; data: Omit<NotificationIntended, 'attempt'> }
  | { type: 'RecordNotification'; data: NotificationSent };

/**
 * A notification is handed to the provider only after an intent is on record, and is
 * recorded as sent once. Intents are numbered: the second one says the first hand-off may
 * have reached the provider without being recorded.
 */
export const notificationDecider: Decider<NotificationCommand, NotificationState, NotificationEvent> = {
  initialState: { intended: null, sent: null },
  decide(command, state) {
    if (state.sent) return [];
    if (command.type === 'IntendNotification') {
      const attempt = (state.intended?.attempt ?? 0) + 1;
      return [{ type: 'NotificationIntended', data: { ...command.data, attempt } }];
    }
    return [{ type: 'NotificationSent', data: command.data }];
  },
  evolve(state, event) {
    return event.type === 'NotificationIntended' ? { ...state, intended: event.data } : { ...state, sent: event.data };
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
