import { describe, expect, it } from 'vitest';
import type { CapacityEvent } from '@booking/shared-kernel';
import {
  availableAt,
  capacityDecider,
  unsoldStock,
  usedAt,
  type CapacityCommand,
  type CapacityState,
} from '../../src/booking/capacity.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(capacityDecider);

const OFFERING = '01900000-0000-7000-8000-0000000000aa';
/** booking ids: valid UUIDs, distinct per n */
const booking = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const A = booking(1);
const B = booking(2);
const C = booking(3);

const NOW = new Date('2030-01-01T10:00:00.000Z');
const at = (minutesFromNow: number): Date => new Date(NOW.getTime() + minutesFromNow * 60_000);
const HOLD_END = at(15);

// ----- events ----------------------------------------------------------------------------------

const stock = (delta: number, after: number): CapacityEvent => ({
  type: 'StockAdjusted',
  data: { offeringId: OFFERING, delta, stock: after },
});
const reserved = (bookingId: string, quantity: number, holdExpiresAt: Date = HOLD_END): CapacityEvent => ({
  type: 'CapacityReserved',
  data: { offeringId: OFFERING, bookingId, quantity, holdExpiresAt: holdExpiresAt.toISOString() },
});
const confirmed = (bookingId: string): CapacityEvent => ({ type: 'CapacityConfirmed', data: { bookingId } });
const released = (
  bookingId: string,
  reason: 'cancelled' | 'expired' | 'rescheduled' | 'orphaned' = 'cancelled',
  note = '',
): CapacityEvent => ({
  type: 'CapacityReleased',
  data: { bookingId, reason, note },
});

// ----- commands --------------------------------------------------------------------------------

const reserve = (
  bookingId: string,
  quantity: number,
  opts: { seats?: number; now?: Date; holdExpiresAt?: Date } = {},
): CapacityCommand => ({
  type: 'ReserveCapacity',
  offeringId: OFFERING,
  bookingId,
  quantity,
  holdExpiresAt: opts.holdExpiresAt ?? HOLD_END,
  now: opts.now ?? NOW,
  ...(opts.seats !== undefined ? { seats: opts.seats } : {}),
});
const confirm = (bookingId: string, opts: { seats?: number; now?: Date } = {}): CapacityCommand => ({
  type: 'ConfirmCapacity',
  bookingId,
  now: opts.now ?? NOW,
  ...(opts.seats !== undefined ? { seats: opts.seats } : {}),
});
const release = (bookingId: string, note?: string): CapacityCommand => ({
  type: 'ReleaseCapacity',
  bookingId,
  reason: 'cancelled',
  ...(note !== undefined ? { note } : {}),
});
const setStock = (n: number): CapacityCommand => ({ type: 'SetStock', offeringId: OFFERING, stock: n });

// ----- specs -----------------------------------------------------------------------------------

describe('ReserveCapacity on a slot (seats per slot given by the command)', () => {
  it('reserves within capacity', () => {
    spec
      .given([])
      .when(reserve(A, 2, { seats: 3 }))
      .then([reserved(A, 2)]);
  });

  it('reserves exactly up to capacity', () => {
    spec
      .given([reserved(A, 2)])
      .when(reserve(B, 1, { seats: 3 }))
      .then([reserved(B, 1)]);
  });

  it('over capacity -> sold-out naming what is left', () => {
    spec
      .given([reserved(A, 2)])
      .when(reserve(B, 2, { seats: 3 }))
      .thenThrows('sold-out', { kind: 'domain-rule', message: 'only 1 left, 2 requested' });
  });

  it('a full slot -> sold-out "sold out"', () => {
    const error = spec
      .given([reserved(A, 2), confirmed(A), reserved(B, 1)])
      .when(reserve(C, 1, { seats: 3 }))
      .thenThrows('sold-out');
    expect(error.message).toBe('sold out');
  });

  it('the hold expiry is recorded as an ISO instant', () => {
    const holdExpiresAt = new Date('2030-01-01T10:07:30.250Z');
    const [event] = spec
      .given([])
      .when(reserve(A, 1, { seats: 1, holdExpiresAt }))
      .events();
    expect(event?.data).toMatchObject({ holdExpiresAt: '2030-01-01T10:07:30.250Z' });
  });
});

describe('ReserveCapacity on a product inventory (limit = stock)', () => {
  it('reserves within stock', () => {
    spec
      .given([stock(5, 5)])
      .when(reserve(A, 3))
      .then([reserved(A, 3)]);
  });

  it('reserves exactly the whole stock', () => {
    spec
      .given([stock(5, 5)])
      .when(reserve(A, 5))
      .then([reserved(A, 5)]);
    spec
      .given([stock(5, 5), reserved(A, 2), confirmed(A)])
      .when(reserve(B, 3))
      .then([reserved(B, 3)]);
  });

  it('over the stock -> sold-out', () => {
    spec
      .given([stock(5, 5)])
      .when(reserve(A, 6))
      .thenThrows('sold-out', { message: 'only 5 left, 6 requested' });
    spec
      .given([stock(5, 5), reserved(A, 2), confirmed(A), reserved(B, 2)])
      .when(reserve(C, 2))
      .thenThrows('sold-out', { message: 'only 1 left, 2 requested' });
  });

  it('no stock yet -> sold out', () => {
    const error = spec.given([]).when(reserve(A, 1)).thenThrows('sold-out');
    expect(error.message).toBe('sold out');
  });
});

describe('ReserveCapacity is idempotent per booking', () => {
  it('re-reserving a held booking -> no event, even when the slot is now full', () => {
    spec
      .given([reserved(A, 2)])
      .when(reserve(A, 2, { seats: 2 }))
      .thenNothing();
  });

  it('re-reserving a confirmed booking -> no event', () => {
    spec
      .given([stock(1, 1), reserved(A, 1), confirmed(A)])
      .when(reserve(A, 1))
      .thenNothing();
  });

  it('a released booking may reserve again', () => {
    spec
      .given([reserved(A, 1), released(A)])
      .when(reserve(A, 1, { seats: 1 }))
      .then([reserved(A, 1)]);
  });
});

describe('lazy expiry: a lapsed hold counts as free before its release is recorded', () => {
  it('slot: a hold that expired is free again', () => {
    spec
      .given([reserved(A, 2, at(-1))])
      .when(reserve(B, 2, { seats: 2 }))
      .then([reserved(B, 2)]);
  });

  it('slot: a hold expiring exactly now is free; one expiring a millisecond later is not', () => {
    spec
      .given([reserved(A, 1, NOW)])
      .when(reserve(B, 1, { seats: 1 }))
      .then([reserved(B, 1)]);
    spec
      .given([reserved(A, 1, new Date(NOW.getTime() + 1))])
      .when(reserve(B, 1, { seats: 1 }))
      .thenThrows('sold-out');
  });

  it('inventory: a lapsed hold gives its units back', () => {
    spec
      .given([stock(3, 3), reserved(A, 3, at(-5))])
      .when(reserve(B, 3))
      .then([reserved(B, 3)]);
  });

  it('usedAt and availableAt ignore lapsed holds but count confirmed units', () => {
    const state = spec.given([
      stock(10, 10),
      reserved(A, 2),
      confirmed(A),
      reserved(B, 3, at(5)),
      reserved(C, 4, at(-5)),
    ]).state;
    expect(usedAt(state, NOW)).toBe(5);
    expect(availableAt(state, NOW)).toBe(5);
    expect(usedAt(state, at(10))).toBe(2);
    expect(availableAt(state, at(10))).toBe(8);
    expect(usedAt(state, NOW, B)).toBe(2);
    expect(availableAt(state, NOW, 4)).toBe(0);
  });
});

describe('usedAt keeps its held units by expiry (no scan of every hold)', () => {
  /** what usedAt means, as the scan it replaces */
  const scanned = (state: CapacityState, now: Date, except?: string): number => {
    let used = state.confirmedUnits;
    for (const [id, hold] of state.holds) if (id !== except && hold.expiresAt > now.getTime()) used += hold.quantity;
    return used;
  };

  it('agrees with a scan of every hold through reserves, confirms, releases and re-reserves', () => {
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const events: CapacityEvent[] = [stock(1_000, 1_000)];
    for (let i = 0; i < 2000; i++) {
      const id = booking(1 + Math.floor(rnd() * 150));
      const r = rnd();
      if (r < 0.5) events.push(reserved(id, 1 + Math.floor(rnd() * 3), at(Math.floor(rnd() * 41) - 20)));
      else if (r < 0.75) events.push(confirmed(id));
      else events.push(released(id));
    }
    let state = capacityDecider.initialState;
    for (const [n, e] of events.entries()) {
      state = capacityDecider.evolve(state, e);
      if (n % 25 !== 0) continue;
      for (const minutes of [-21, -20, -1, 0, 1, 20, 21]) {
        const now = at(minutes);
        expect(usedAt(state, now)).toBe(scanned(state, now));
        const held = [...state.holds.keys()][0];
        if (held) expect(usedAt(state, now, held)).toBe(scanned(state, now, held));
        expect(usedAt(state, now, booking(999))).toBe(scanned(state, now));
      }
    }
  });

  it('excepting a lapsed hold takes nothing off', () => {
    const state = spec.given([stock(10, 10), reserved(A, 2, at(5)), reserved(C, 4, at(-5))]).state;
    expect(usedAt(state, NOW, C)).toBe(2);
    expect(usedAt(state, NOW, A)).toBe(0);
  });

  it('a booking reserved again after its release is held with its new expiry only', () => {
    const state = spec.given([stock(10, 10), reserved(A, 2, at(-5)), released(A), reserved(A, 3, at(5))]).state;
    expect(usedAt(state, NOW)).toBe(3);
    expect(usedAt(state, at(5))).toBe(0);
  });

  it('a second reservation of a held booking in the history replaces the first', () => {
    const state = spec.fold([stock(10, 10), reserved(A, 2, at(5)), reserved(A, 1, at(-5))]);
    expect(state.holds.get(A)).toEqual({ quantity: 1, expiresAt: at(-5).getTime() });
    expect(usedAt(state, NOW)).toBe(0);
    expect(usedAt(state, at(-6))).toBe(1);
  });

  it('a confirmed or released hold no longer counts as held, whenever it would have lapsed', () => {
    const state = spec.given([
      stock(10, 10),
      reserved(A, 2, at(5)),
      reserved(B, 3, at(10)),
      confirmed(A),
      released(B),
    ]).state;
    expect(usedAt(state, NOW)).toBe(2);
    expect(usedAt(state, at(30))).toBe(2);
    expect(state.expiries.units).toBe(0);
  });
});

describe('ConfirmCapacity', () => {
  it('confirms a live hold', () => {
    spec
      .given([reserved(A, 1)])
      .when(confirm(A, { seats: 1 }))
      .then([confirmed(A)]);
  });

  it('moves the units from held to confirmed', () => {
    const state = spec
      .given([stock(5, 5), reserved(A, 2)])
      .when(confirm(A))
      .thenState();
    expect(state.holds.has(A)).toBe(false);
    expect(state.confirmed.get(A)).toBe(2);
    expect(state.confirmedUnits).toBe(2);
    expect(unsoldStock(state)).toBe(3);
  });

  it('is idempotent', () => {
    spec
      .given([reserved(A, 1), confirmed(A)])
      .when(confirm(A, { seats: 1 }))
      .thenNothing();
  });

  it('a lapsed hold whose capacity is still free is confirmed', () => {
    spec
      .given([reserved(A, 1, at(-10))])
      .when(confirm(A, { seats: 1 }))
      .then([confirmed(A)]);
    spec
      .given([stock(2, 2), reserved(A, 2, at(-10))])
      .when(confirm(A))
      .then([confirmed(A)]);
  });

  it('a lapsed hold whose capacity was taken -> hold-lapsed', () => {
    spec
      .given([reserved(A, 1, at(-10)), reserved(B, 1)])
      .when(confirm(A, { seats: 1 }))
      .thenThrows('hold-lapsed', { kind: 'domain-rule' });
    spec
      .given([stock(2, 2), reserved(A, 2, at(-10)), reserved(B, 1)])
      .when(confirm(A))
      .thenThrows('hold-lapsed');
  });

  it('a lapsed hold fits when the others leave exactly enough room', () => {
    spec
      .given([reserved(A, 2, at(-10)), reserved(B, 1)])
      .when(confirm(A, { seats: 3 }))
      .then([confirmed(A)]);
  });

  it('an unknown booking -> not-reserved', () => {
    spec
      .given([reserved(A, 1)])
      .when(confirm(B, { seats: 5 }))
      .thenThrows('not-reserved');
  });

  it('a released booking -> not-reserved', () => {
    spec
      .given([reserved(A, 1), released(A)])
      .when(confirm(A, { seats: 5 }))
      .thenThrows('not-reserved');
  });
});

describe('ReleaseCapacity', () => {
  it('releases a hold, with the reason and an empty note by default', () => {
    spec
      .given([reserved(A, 1)])
      .when(release(A))
      .then([released(A)]);
    spec
      .given([reserved(A, 1)])
      .when(release(A, 'customer changed mind'))
      .then([released(A, 'cancelled', 'customer changed mind')]);
  });

  it('a released hold frees its seats', () => {
    const state = spec
      .given([reserved(A, 2, at(60)), reserved(B, 1, at(60))])
      .when(release(A))
      .thenState();
    expect(state.holds.has(A)).toBe(false);
    expect(availableAt(state, NOW, 3)).toBe(2);
    spec
      .given([reserved(A, 2, at(60)), reserved(B, 1, at(60)), released(A)])
      .when(reserve(C, 2, { seats: 3 }))
      .then([reserved(C, 2)]);
  });

  it('releasing a confirmed booking gives the seats back', () => {
    const history = [reserved(A, 2), confirmed(A), reserved(B, 1), confirmed(B)];
    spec
      .given(history)
      .when(reserve(C, 1, { seats: 3 }))
      .thenThrows('sold-out');
    spec
      .given(history)
      .when(release(A))
      .then([released(A)]);
    spec
      .given([...history, released(A)])
      .when(reserve(C, 2, { seats: 3 }))
      .then([reserved(C, 2)]);
  });

  it('releasing a confirmed sale grows the unsold stock of an inventory back', () => {
    const history = [stock(5, 5), reserved(A, 3), confirmed(A)];
    expect(unsoldStock(spec.given(history).state)).toBe(2);
    const state = spec.given(history).when(release(A)).thenState();
    expect(state.confirmedUnits).toBe(0);
    expect(state.confirmed.has(A)).toBe(false);
    expect(unsoldStock(state)).toBe(5);
    expect(availableAt(state, NOW)).toBe(5);
  });

  it('releasing an unknown booking -> no event', () => {
    spec
      .given([reserved(A, 1)])
      .when(release(B))
      .thenNothing();
  });

  it('releasing twice -> no event the second time', () => {
    spec
      .given([reserved(A, 1), released(A)])
      .when(release(A))
      .thenNothing();
  });

  it('releasing a lapsed (still recorded) hold is recorded', () => {
    spec
      .given([reserved(A, 1, at(-30))])
      .when({ type: 'ReleaseCapacity', bookingId: A, reason: 'expired' })
      .then([released(A, 'expired')]);
  });
});

describe('SetStock', () => {
  it('stocks an empty inventory', () => {
    spec
      .given([])
      .when(setStock(10))
      .then([stock(10, 10)]);
  });

  it('the delta is computed against the unsold stock (after confirmed sales)', () => {
    // 10 put up for sale, 3 sold: 7 unsold. Asking for 10 unsold adds 3.
    const history = [stock(10, 10), reserved(A, 3), confirmed(A)];
    spec
      .given(history)
      .when(setStock(10))
      .then([stock(3, 10)]);
    spec
      .given(history)
      .when(setStock(5))
      .then([stock(-2, 5)]);
    spec
      .given(history)
      .when(setStock(0))
      .then([stock(-7, 0)]);
  });

  it('the same unsold stock -> no event', () => {
    spec
      .given([stock(10, 10)])
      .when(setStock(10))
      .thenNothing();
    spec
      .given([stock(10, 10), reserved(A, 3), confirmed(A)])
      .when(setStock(7))
      .thenNothing();
  });

  it('unconfirmed holds are still unsold stock', () => {
    spec
      .given([stock(10, 10), reserved(A, 4)])
      .when(setStock(10))
      .thenNothing();
  });

  it('after the adjustment the unsold stock is the requested one', () => {
    const state = spec
      .given([stock(10, 10), reserved(A, 3), confirmed(A)])
      .when(setStock(4))
      .thenState();
    expect(unsoldStock(state)).toBe(4);
    expect(state.stockTotal).toBe(7);
    expect(availableAt(state, NOW)).toBe(4);
  });
});

describe('folding a long stream', () => {
  it('folds 10,000 bookings (30,000+ events) to the right totals', () => {
    const N = 10_000;
    const events: CapacityEvent[] = [stock(1_000_000, 1_000_000)];
    for (let i = 1; i <= N; i++) {
      const id = booking(i);
      events.push(reserved(id, (i % 3) + 1));
      events.push(confirmed(id));
      if (i % 10 === 0) events.push(released(id));
    }
    // plus holds that are still open: 50 live, 50 lapsed
    for (let i = N + 1; i <= N + 100; i++) events.push(reserved(booking(i), 1, i % 2 === 0 ? at(5) : at(-5)));

    let expectedConfirmedUnits = 0;
    let expectedConfirmedBookings = 0;
    for (let i = 1; i <= N; i++) {
      if (i % 10 !== 0) {
        expectedConfirmedUnits += (i % 3) + 1;
        expectedConfirmedBookings++;
      }
    }

    const state = spec.fold(events);
    expect(state.confirmedUnits).toBe(expectedConfirmedUnits);
    expect(state.confirmed.size).toBe(expectedConfirmedBookings);
    expect(state.holds.size).toBe(100);
    expect(state.stockTotal).toBe(1_000_000);
    expect(unsoldStock(state)).toBe(1_000_000 - expectedConfirmedUnits);
    expect(usedAt(state, NOW)).toBe(expectedConfirmedUnits + 50);
    expect(availableAt(state, NOW)).toBe(1_000_000 - expectedConfirmedUnits - 50);

    // the folded state still decides correctly
    expect(capacityDecider.decide(reserve(booking(5), 1), state)).toEqual([]);
    expect(capacityDecider.decide(confirm(booking(5)), state)).toEqual([]);
    expect(capacityDecider.decide(release(booking(10)), state)).toEqual([]);
    expect(capacityDecider.decide(reserve(booking(10), 1), state)).toEqual([reserved(booking(10), 1)]);
  });
});
