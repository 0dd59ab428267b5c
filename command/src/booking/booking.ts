/** The booking aggregate: its commands, state and pure decider. */
import {
  DomainRuleError,
  ForbiddenError,
  type Actor,
  type AttributionData,
  type BookingEvent,
  type BookingPlaced,
  type Decider,
  type SlotData,
} from '@booking/shared-kernel';

export type BookingStatus = 'NONE' | 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED' | 'COMPLETED' | 'NO_SHOW';

export interface BookingState {
  readonly status: BookingStatus;
  readonly placed: BookingPlaced | null;
  /** the current slot and capacity stream (changes on reschedule) */
  readonly slot: SlotData | null;
  readonly capacityStreamId: string;
  readonly paymentId: string | null;
}

export type PlaceBookingCommand = {
  type: 'PlaceBooking';
  actor: Actor;
  data: BookingPlaced;
};

export type BookingCommand =
  | PlaceBookingCommand
  | { type: 'ConfirmBooking'; paymentId: string }
  | {
      type: 'RescheduleBooking';
      actor: Actor;
      to: SlotData;
      toCapacityStreamId: string;
      now: Date;
      minimumNoticeMinutes: number;
    }
  | { type: 'CancelBooking'; actor: Actor; reason: string; now: Date; minimumNoticeMinutes: number }
  | { type: 'ExpireBooking'; now: Date }
  | { type: 'CompleteBooking'; actor: Actor; now: Date }
  | { type: 'MarkNoShow'; actor: Actor; now: Date };

export const initialBookingState: BookingState = {
  status: 'NONE',
  placed: null,
  slot: null,
  capacityStreamId: '',
  paymentId: null,
};

export type { AttributionData };

/** May `actor` act on this booking at all? Its customer, its provider, or an admin. */
export function canSeeBooking(actor: Actor, placed: Pick<BookingPlaced, 'customerId' | 'providerId'>): boolean {
  return (
    actor.role === 'admin' ||
    (actor.role === 'customer' && actor.id === placed.customerId) ||
    (actor.role === 'provider' && actor.id === placed.providerId)
  );
}

function requireBooking(state: BookingState): BookingPlaced {
  if (!state.placed) throw new DomainRuleError('booking-not-found', 'no such booking');
  return state.placed;
}

function requireParty(actor: Actor, placed: BookingPlaced, allowed: readonly Actor['role'][]): void {
  if (!canSeeBooking(actor, placed) || !allowed.includes(actor.role)) {
    throw new ForbiddenError('you may not change this booking');
  }
}

function requireStatus(state: BookingState, allowed: readonly BookingStatus[], action: string): void {
  if (!allowed.includes(state.status)) {
    throw new DomainRuleError('invalid-booking-status', `cannot ${action} a booking that is ${state.status}`);
  }
}

function minutesUntil(iso: string, now: Date): number {
  return (Date.parse(iso) - now.getTime()) / 60_000;
}

export function decideBooking(command: BookingCommand, state: BookingState): BookingEvent[] {
  if (command.type === 'PlaceBooking') {
    if (state.status !== 'NONE') throw new DomainRuleError('booking-exists', 'this booking already exists');
    if (command.actor.role !== 'customer' || command.actor.id !== command.data.customerId) {
      throw new ForbiddenError('customers place bookings for themselves only');
    }
    return [{ type: 'BookingPlaced', data: command.data }];
  }
  const placed = requireBooking(state);
  const bookingId = placed.bookingId;
  switch (command.type) {
    case 'ConfirmBooking':
      if (state.status === 'CONFIRMED' && state.paymentId === command.paymentId) return [];
      requireStatus(state, ['PENDING'], 'confirm');
      return [{ type: 'BookingConfirmed', data: { bookingId, paymentId: command.paymentId } }];
    case 'RescheduleBooking': {
      requireParty(command.actor, placed, ['customer', 'provider', 'admin']);
      if (placed.kind !== 'service' || !state.slot) {
        throw new DomainRuleError('not-a-service', 'only service bookings can be rescheduled');
      }
      requireStatus(state, ['CONFIRMED'], 'reschedule');
      if (command.to.start === state.slot.start) return [];
      if (
        command.actor.role === 'customer' &&
        minutesUntil(state.slot.start, command.now) < command.minimumNoticeMinutes
      ) {
        throw new DomainRuleError('too-late', `changes need ${command.minimumNoticeMinutes} minutes notice`);
      }
      return [
        {
          type: 'BookingRescheduled',
          data: {
            bookingId,
            from: { slot: state.slot, capacityStreamId: state.capacityStreamId },
            to: { slot: command.to, capacityStreamId: command.toCapacityStreamId },
          },
        },
      ];
    }
    case 'CancelBooking': {
      requireParty(command.actor, placed, ['customer', 'provider', 'admin']);
      requireStatus(state, ['PENDING', 'CONFIRMED'], 'cancel');
      if (
        command.actor.role === 'customer' &&
        state.slot &&
        minutesUntil(state.slot.start, command.now) < command.minimumNoticeMinutes
      ) {
        throw new DomainRuleError('too-late', `cancellations need ${command.minimumNoticeMinutes} minutes notice`);
      }
      return [
        {
          type: 'BookingCancelled',
          data: {
            bookingId,
            cancelledBy: command.actor.role as 'customer' | 'provider' | 'admin',
            reason: command.reason,
          },
        },
      ];
    }
    case 'ExpireBooking':
      if (state.status !== 'PENDING') return [];
      if (Date.parse(placed.holdExpiresAt) > command.now.getTime()) {
        throw new DomainRuleError('hold-not-expired', 'the hold has not expired yet');
      }
      return [{ type: 'BookingExpired', data: { bookingId } }];
    case 'CompleteBooking':
      requireParty(command.actor, placed, ['provider', 'admin']);
      requireStatus(state, ['CONFIRMED'], 'complete');
      if (state.slot && Date.parse(state.slot.start) > command.now.getTime()) {
        throw new DomainRuleError('not-started', 'a service is completed once it has started');
      }
      return [{ type: 'BookingCompleted', data: { bookingId } }];
    case 'MarkNoShow':
      requireParty(command.actor, placed, ['provider', 'admin']);
      if (placed.kind !== 'service' || !state.slot) {
        throw new DomainRuleError('not-a-service', 'only service bookings can be no-shows');
      }
      requireStatus(state, ['CONFIRMED'], 'mark as no-show');
      if (Date.parse(state.slot.start) > command.now.getTime()) {
        throw new DomainRuleError('not-started', 'a no-show is recorded once the slot has started');
      }
      return [{ type: 'BookingMarkedNoShow', data: { bookingId } }];
  }
}

export function evolveBooking(state: BookingState, event: BookingEvent): BookingState {
  switch (event.type) {
    case 'BookingPlaced':
      return {
        status: 'PENDING',
        placed: event.data,
        slot: event.data.slot ?? null,
        capacityStreamId: event.data.capacityStreamId,
        paymentId: null,
      };
    case 'BookingConfirmed':
      return { ...state, status: 'CONFIRMED', paymentId: event.data.paymentId };
    case 'BookingRescheduled':
      return { ...state, slot: event.data.to.slot, capacityStreamId: event.data.to.capacityStreamId };
    case 'BookingCancelled':
      return { ...state, status: 'CANCELLED' };
    case 'BookingExpired':
      return { ...state, status: 'EXPIRED' };
    case 'BookingCompleted':
      return { ...state, status: 'COMPLETED' };
    case 'BookingMarkedNoShow':
      return { ...state, status: 'NO_SHOW' };
  }
}

export const bookingDecider: Decider<BookingCommand, BookingState, BookingEvent> = {
  initialState: initialBookingState,
  decide: decideBooking,
  evolve: evolveBooking,
};
