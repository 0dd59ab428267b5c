/**
 * The capacity aggregate: a product's stock (`inventory-<offeringId>`) or a service slot's
 * seats (`slot-<offeringId>-<start>`). All reservations for one stock or slot are decided
 * here, inside one stream, so concurrent bookings can never exceed it.
 *
 * A hold that has passed its expiry counts as free even before its release is recorded:
 * if the process dies between reserving capacity and recording the booking, the seat is
 * blocked only until the hold expires, never forever. The hold-expiry reactor records the
 * release afterwards.
 */
import { Map as ImmutableMap } from 'immutable';
import { DomainRuleError, type CapacityEvent, type Decider, type ReleaseReason } from '@booking/shared-kernel';
import { HoldExpiries } from './hold-expiries.js';
import { capacitySnapshot } from './capacity-snapshot.js';

export interface Hold {
  readonly quantity: number;
  readonly expiresAt: number;
}

export interface CapacityState {
  /** units put up for sale so far (inventory streams); slots get their limit per command */
  readonly stockTotal: number;
  /** persistent maps: folding a long inventory stream stays O(n log n), not O(n²) */
  readonly holds: ImmutableMap<string, Hold>;
  /** the same holds ordered by expiry: live held units in O(log n) */
  readonly expiries: HoldExpiries;
  readonly confirmed: ImmutableMap<string, number>;
  readonly confirmedUnits: number;
}

export type CapacityCommand =
  | {
      type: 'ReserveCapacity';
      offeringId: string;
      bookingId: string;
      quantity: number;
      holdExpiresAt: Date;
      /** seats per slot for a slot stream; omitted for a product's inventory */
      seats?: number;
      now: Date;
    }
  | { type: 'ConfirmCapacity'; bookingId: string; seats?: number; now: Date }
  | { type: 'ReleaseCapacity'; bookingId: string; reason: ReleaseReason; note?: string }
  | { type: 'SetStock'; offeringId: string; stock: number };

export const initialCapacityState: CapacityState = {
  stockTotal: 0,
  holds: ImmutableMap(),
  expiries: HoldExpiries.empty,
  confirmed: ImmutableMap(),
  confirmedUnits: 0,
};

/**
 * Units taken at `now`: confirmed ones plus holds that have not expired. `expiries` holds
 * exactly the holds of `holds` (evolve changes both together) ordered by expiry, so the
 * units expiring after `now` are one walk down it, not a scan of every hold; the excepted
 * booking's units come off only if its hold is among those.
 */
export function usedAt(state: CapacityState, now: Date, exceptBooking?: string): number {
  const at = now.getTime();
  let used = state.confirmedUnits + state.expiries.unitsLiveAt(at);
  const excepted = exceptBooking === undefined ? undefined : state.holds.get(exceptBooking);
  if (excepted && excepted.expiresAt > at) used -= excepted.quantity;
  return used;
}

export function unsoldStock(state: CapacityState): number {
  return state.stockTotal - state.confirmedUnits;
}

export function availableAt(state: CapacityState, now: Date, seats?: number): number {
  const limit = seats ?? state.stockTotal;
  return Math.max(0, limit - usedAt(state, now));
}

export function decideCapacity(command: CapacityCommand, state: CapacityState): CapacityEvent[] {
  switch (command.type) {
    case 'ReserveCapacity': {
      if (state.holds.has(command.bookingId) || state.confirmed.has(command.bookingId)) return [];
      const available = availableAt(state, command.now, command.seats);
      if (command.quantity > available) {
        throw new DomainRuleError(
          'sold-out',
          available === 0 ? 'sold out' : `only ${available} left, ${command.quantity} requested`,
        );
      }
      return [
        {
          type: 'CapacityReserved',
          data: {
            offeringId: command.offeringId,
            bookingId: command.bookingId,
            quantity: command.quantity,
            holdExpiresAt: command.holdExpiresAt.toISOString(),
          },
        },
      ];
    }
    case 'ConfirmCapacity': {
      if (state.confirmed.has(command.bookingId)) return [];
      const hold = state.holds.get(command.bookingId);
      if (!hold) throw new DomainRuleError('not-reserved', 'this booking holds no capacity here');
      if (hold.expiresAt <= command.now.getTime()) {
        // The hold lapsed: it may still be confirmed if nobody took its place meanwhile.
        const limit = command.seats ?? state.stockTotal;
        if (usedAt(state, command.now, command.bookingId) + hold.quantity > limit) {
          throw new DomainRuleError('hold-lapsed', 'the hold expired and the capacity was taken');
        }
      }
      return [{ type: 'CapacityConfirmed', data: { bookingId: command.bookingId } }];
    }
    case 'ReleaseCapacity': {
      if (!state.holds.has(command.bookingId) && !state.confirmed.has(command.bookingId)) return [];
      return [
        {
          type: 'CapacityReleased',
          data: { bookingId: command.bookingId, reason: command.reason, note: command.note ?? '' },
        },
      ];
    }
    case 'SetStock': {
      const delta = command.stock - unsoldStock(state);
      if (delta === 0) return [];
      return [{ type: 'StockAdjusted', data: { offeringId: command.offeringId, delta, stock: command.stock } }];
    }
  }
}

export function evolveCapacity(state: CapacityState, event: CapacityEvent): CapacityState {
  switch (event.type) {
    case 'StockAdjusted':
      return { ...state, stockTotal: state.stockTotal + event.data.delta };
    case 'CapacityReserved': {
      const { bookingId } = event.data;
      const hold: Hold = { quantity: event.data.quantity, expiresAt: Date.parse(event.data.holdExpiresAt) };
      // a booking holds at most once: a second reservation replaces the first
      const previous = state.holds.get(bookingId);
      const expiries = previous ? state.expiries.remove(bookingId, previous) : state.expiries;
      return { ...state, holds: state.holds.set(bookingId, hold), expiries: expiries.add(bookingId, hold) };
    }
    case 'CapacityConfirmed': {
      const hold = state.holds.get(event.data.bookingId);
      if (!hold) return state;
      return {
        ...state,
        holds: state.holds.delete(event.data.bookingId),
        expiries: state.expiries.remove(event.data.bookingId, hold),
        confirmed: state.confirmed.set(event.data.bookingId, hold.quantity),
        confirmedUnits: state.confirmedUnits + hold.quantity,
      };
    }
    case 'CapacityReleased': {
      // A released confirmed unit (a cancelled sale) is unsold stock or a free seat again.
      const sold = state.confirmed.get(event.data.bookingId) ?? 0;
      const hold = state.holds.get(event.data.bookingId);
      return {
        ...state,
        holds: state.holds.delete(event.data.bookingId),
        expiries: hold ? state.expiries.remove(event.data.bookingId, hold) : state.expiries,
        confirmed: state.confirmed.delete(event.data.bookingId),
        confirmedUnits: state.confirmedUnits - sold,
      };
    }
  }
}

export const capacityDecider: Decider<CapacityCommand, CapacityState, CapacityEvent> = {
  initialState: initialCapacityState,
  decide: decideCapacity,
  evolve: evolveCapacity,
  snapshot: capacitySnapshot,
};
