import { describe, expect, it } from 'vitest';
import type { Actor, BookingEvent, BookingPlaced } from '@booking/shared-kernel';
import { bookingDecider, canSeeBooking, type BookingCommand } from '../../src/booking/booking.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(bookingDecider);

const BOOKING = '01900000-0000-7000-8000-0000000000b1';
const OFFERING = '01900000-0000-7000-8000-0000000000a1';
const PAYMENT = BOOKING;
const OTHER_PAYMENT = '01900000-0000-7000-8000-0000000000c2';

const customer: Actor = { id: 'customer-1', role: 'customer' };
const otherCustomer: Actor = { id: 'customer-2', role: 'customer' };
const provider: Actor = { id: 'provider-1', role: 'provider' };
const otherProvider: Actor = { id: 'provider-2', role: 'provider' };
const admin: Actor = { id: 'admin-1', role: 'admin' };
const system: Actor = { id: 'hold-expiry', role: 'system' };

/** "now" of the commands; the slot starts 9 days later. */
const NOW = new Date('2030-01-01T10:00:00.000Z');
const SLOT = { start: '2030-01-10T09:00:00.000Z', end: '2030-01-10T10:00:00.000Z' };
const NEW_SLOT = { start: '2030-01-11T14:00:00.000Z', end: '2030-01-11T15:00:00.000Z' };
const slotStream = (start: string): string => `slot-${OFFERING}-${Date.parse(start)}`;
const HOLD_EXPIRES = '2030-01-01T10:15:00.000Z';
const minutesBeforeSlot = (m: number): Date => new Date(Date.parse(SLOT.start) - m * 60_000);
const NOTICE = 24 * 60;

const serviceBooking: BookingPlaced = {
  bookingId: BOOKING,
  customerId: customer.id,
  providerId: provider.id,
  offeringId: OFFERING,
  offeringTitle: 'Haircut',
  kind: 'service',
  quantity: 1,
  slot: SLOT,
  capacityStreamId: slotStream(SLOT.start),
  unitPrice: { amount: 3500, currency: 'EUR' },
  total: { amount: 3500, currency: 'EUR' },
  holdExpiresAt: HOLD_EXPIRES,
  attribution: { utmSource: 'newsletter' },
};

const productBooking: BookingPlaced = {
  bookingId: BOOKING,
  customerId: customer.id,
  providerId: provider.id,
  offeringId: OFFERING,
  offeringTitle: 'Ceramic mug',
  kind: 'product',
  quantity: 2,
  capacityStreamId: `inventory-${OFFERING}`,
  unitPrice: { amount: 1800, currency: 'EUR' },
  total: { amount: 3600, currency: 'EUR' },
  holdExpiresAt: HOLD_EXPIRES,
  attribution: {},
};

// ----- events ----------------------------------------------------------------------------------

const placedService: BookingEvent = { type: 'BookingPlaced', data: serviceBooking };
const placedProduct: BookingEvent = { type: 'BookingPlaced', data: productBooking };
const confirmedEvent: BookingEvent = { type: 'BookingConfirmed', data: { bookingId: BOOKING, paymentId: PAYMENT } };
const cancelledBy = (by: 'customer' | 'provider' | 'admin', reason = 'plans changed'): BookingEvent => ({
  type: 'BookingCancelled',
  data: { bookingId: BOOKING, cancelledBy: by, reason },
});
const expiredEvent: BookingEvent = { type: 'BookingExpired', data: { bookingId: BOOKING } };
const completedEvent: BookingEvent = { type: 'BookingCompleted', data: { bookingId: BOOKING } };
const noShowEvent: BookingEvent = { type: 'BookingMarkedNoShow', data: { bookingId: BOOKING } };
const rescheduled = (from: typeof SLOT, to: typeof SLOT): BookingEvent => ({
  type: 'BookingRescheduled',
  data: {
    bookingId: BOOKING,
    from: { slot: from, capacityStreamId: slotStream(from.start) },
    to: { slot: to, capacityStreamId: slotStream(to.start) },
  },
});

const confirmedService = [placedService, confirmedEvent];
const confirmedProduct = [placedProduct, confirmedEvent];

// ----- commands --------------------------------------------------------------------------------

const place = (actor: Actor, data: BookingPlaced = serviceBooking): BookingCommand => ({
  type: 'PlaceBooking',
  actor,
  data,
});
const confirm = (paymentId = PAYMENT): BookingCommand => ({ type: 'ConfirmBooking', paymentId });
const reschedule = (actor: Actor, now = NOW, to = NEW_SLOT): BookingCommand => ({
  type: 'RescheduleBooking',
  actor,
  to,
  toCapacityStreamId: slotStream(to.start),
  now,
  minimumNoticeMinutes: NOTICE,
});
const cancel = (actor: Actor, now = NOW): BookingCommand => ({
  type: 'CancelBooking',
  actor,
  reason: 'plans changed',
  now,
  minimumNoticeMinutes: NOTICE,
});
const expire = (now: Date): BookingCommand => ({ type: 'ExpireBooking', now });
const complete = (actor: Actor, now: Date): BookingCommand => ({ type: 'CompleteBooking', actor, now });
const noShow = (actor: Actor, now: Date): BookingCommand => ({ type: 'MarkNoShow', actor, now });

const AFTER_START = new Date(Date.parse(SLOT.start) + 5 * 60_000);

// ----- specs -----------------------------------------------------------------------------------

describe('PlaceBooking', () => {
  it('a customer places a booking for themself', () => {
    spec.given([]).when(place(customer)).then([placedService]);
    spec.given([]).when(place(customer, productBooking)).then([placedProduct]);
  });

  it('the placed booking is pending on its slot and capacity stream', () => {
    const state = spec.given([]).when(place(customer)).thenState();
    expect(state).toMatchObject({
      status: 'PENDING',
      slot: SLOT,
      capacityStreamId: slotStream(SLOT.start),
      paymentId: null,
    });
  });

  it.each([
    ['another customer', otherCustomer],
    ['the provider', provider],
    ['an admin', admin],
    ['the system', system],
  ])('%s cannot place it -> ForbiddenError', (_who, actor) => {
    spec.given([]).when(place(actor)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('placing it twice -> booking-exists', () => {
    spec.given([placedService]).when(place(customer)).thenThrows('booking-exists', { kind: 'domain-rule' });
    spec.given(confirmedService).when(place(customer)).thenThrows('booking-exists');
  });
});

describe('commands on a booking that does not exist', () => {
  it.each<[string, BookingCommand]>([
    ['ConfirmBooking', confirm()],
    ['RescheduleBooking', reschedule(customer)],
    ['CancelBooking', cancel(customer)],
    ['ExpireBooking', expire(NOW)],
    ['CompleteBooking', complete(provider, AFTER_START)],
    ['MarkNoShow', noShow(provider, AFTER_START)],
  ])('%s -> booking-not-found', (_name, command) => {
    spec.given([]).when(command).thenThrows('booking-not-found');
  });
});

describe('ConfirmBooking', () => {
  it('confirms a pending booking with its payment', () => {
    spec.given([placedService]).when(confirm()).then([confirmedEvent]);
    const state = spec.given([placedService]).when(confirm()).thenState();
    expect(state.status).toBe('CONFIRMED');
    expect(state.paymentId).toBe(PAYMENT);
  });

  it('is idempotent for the same payment', () => {
    spec.given(confirmedService).when(confirm(PAYMENT)).thenNothing();
  });

  it('a confirmed booking cannot be confirmed by another payment', () => {
    spec
      .given(confirmedService)
      .when(confirm(OTHER_PAYMENT))
      .thenThrows('invalid-booking-status', { message: 'CONFIRMED' });
  });

  it.each<[string, BookingEvent[]]>([
    ['EXPIRED', [placedService, expiredEvent]],
    ['CANCELLED', [placedService, cancelledBy('customer')]],
    ['COMPLETED', [...confirmedService, completedEvent]],
    ['NO_SHOW', [...confirmedService, noShowEvent]],
  ])('a %s booking -> invalid-booking-status', (status, history) => {
    spec.given(history).when(confirm()).thenThrows('invalid-booking-status', { kind: 'domain-rule', message: status });
  });
});

describe('RescheduleBooking', () => {
  it('the customer moves a confirmed service booking to another slot', () => {
    spec
      .given(confirmedService)
      .when(reschedule(customer))
      .then([rescheduled(SLOT, NEW_SLOT)]);
  });

  it('the booking then holds the new slot and capacity stream, and moves from there next time', () => {
    const history = [...confirmedService, rescheduled(SLOT, NEW_SLOT)];
    const state = spec.given(history).state;
    expect(state.slot).toEqual(NEW_SLOT);
    expect(state.capacityStreamId).toBe(slotStream(NEW_SLOT.start));
    expect(state.status).toBe('CONFIRMED');
    spec
      .given(history)
      .when(reschedule(provider, NOW, SLOT))
      .then([rescheduled(NEW_SLOT, SLOT)]);
  });

  it('the same slot -> no event', () => {
    spec
      .given(confirmedService)
      .when(reschedule(customer, NOW, SLOT))
      .thenNothing();
  });

  it.each([
    ['the provider', provider],
    ['an admin', admin],
  ])('%s may reschedule', (_who, actor) => {
    spec
      .given(confirmedService)
      .when(reschedule(actor))
      .then([rescheduled(SLOT, NEW_SLOT)]);
  });

  it.each([
    ['another customer', otherCustomer],
    ['another provider', otherProvider],
    ['the system', system],
  ])('%s -> ForbiddenError', (_who, actor) => {
    spec.given(confirmedService).when(reschedule(actor)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('a product booking -> not-a-service', () => {
    spec.given(confirmedProduct).when(reschedule(customer)).thenThrows('not-a-service');
  });

  it.each<[string, BookingEvent[]]>([
    ['PENDING', [placedService]],
    ['CANCELLED', [...confirmedService, cancelledBy('provider')]],
    ['EXPIRED', [placedService, expiredEvent]],
    ['COMPLETED', [...confirmedService, completedEvent]],
  ])('a %s booking -> invalid-booking-status', (status, history) => {
    spec.given(history).when(reschedule(customer)).thenThrows('invalid-booking-status', { message: status });
  });

  it('a customer needs the minimum notice before the current slot', () => {
    spec
      .given(confirmedService)
      .when(reschedule(customer, minutesBeforeSlot(NOTICE - 1)))
      .thenThrows('too-late', { kind: 'domain-rule', message: `${NOTICE} minutes` });
  });

  it('exactly the minimum notice is still in time', () => {
    spec
      .given(confirmedService)
      .when(reschedule(customer, minutesBeforeSlot(NOTICE)))
      .then([rescheduled(SLOT, NEW_SLOT)]);
  });

  it.each([
    ['the provider', provider],
    ['an admin', admin],
  ])('%s is exempt from the notice', (_who, actor) => {
    spec
      .given(confirmedService)
      .when(reschedule(actor, minutesBeforeSlot(5)))
      .then([rescheduled(SLOT, NEW_SLOT)]);
  });
});

describe('CancelBooking', () => {
  it.each([
    ['customer', customer],
    ['provider', provider],
    ['admin', admin],
  ] as const)('the %s of this booking may cancel it', (role, actor) => {
    spec
      .given(confirmedService)
      .when(cancel(actor))
      .then([cancelledBy(role)]);
  });

  it('a pending booking can be cancelled', () => {
    spec
      .given([placedService])
      .when(cancel(customer))
      .then([cancelledBy('customer')]);
    expect(spec.given([placedService, cancelledBy('customer')]).state.status).toBe('CANCELLED');
  });

  it.each([
    ['another customer', otherCustomer],
    ['another provider', otherProvider],
    ['the system', system],
  ])('%s -> ForbiddenError', (_who, actor) => {
    spec.given(confirmedService).when(cancel(actor)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('a customer needs the minimum notice', () => {
    spec
      .given(confirmedService)
      .when(cancel(customer, minutesBeforeSlot(NOTICE - 1)))
      .thenThrows('too-late', { message: 'notice' });
    spec
      .given(confirmedService)
      .when(cancel(customer, minutesBeforeSlot(NOTICE)))
      .then([cancelledBy('customer')]);
  });

  it('the notice is measured from the rescheduled slot', () => {
    const history = [...confirmedService, rescheduled(SLOT, NEW_SLOT)];
    // inside the notice of the old slot, but a day and more before the new one
    spec
      .given(history)
      .when(cancel(customer, minutesBeforeSlot(60)))
      .then([cancelledBy('customer')]);
  });

  it.each([
    ['provider', provider],
    ['admin', admin],
  ] as const)('the %s is exempt from the notice', (role, actor) => {
    spec
      .given(confirmedService)
      .when(cancel(actor, minutesBeforeSlot(1)))
      .then([cancelledBy(role)]);
  });

  it('a product booking has no notice rule', () => {
    spec
      .given(confirmedProduct)
      .when(cancel(customer, new Date('2031-01-01T00:00:00Z')))
      .then([cancelledBy('customer')]);
  });

  it('cancelling twice -> invalid-booking-status', () => {
    spec
      .given([...confirmedService, cancelledBy('customer')])
      .when(cancel(customer))
      .thenThrows('invalid-booking-status', { message: 'CANCELLED' });
  });

  it.each<[string, BookingEvent[]]>([
    ['EXPIRED', [placedService, expiredEvent]],
    ['COMPLETED', [...confirmedService, completedEvent]],
    ['NO_SHOW', [...confirmedService, noShowEvent]],
  ])('a %s booking cannot be cancelled', (status, history) => {
    spec.given(history).when(cancel(admin)).thenThrows('invalid-booking-status', { message: status });
  });
});

describe('ExpireBooking', () => {
  it('before the hold ends -> hold-not-expired', () => {
    spec
      .given([placedService])
      .when(expire(new Date(Date.parse(HOLD_EXPIRES) - 1)))
      .thenThrows('hold-not-expired');
  });

  it('a pending booking expires once its hold has ended', () => {
    spec
      .given([placedService])
      .when(expire(new Date(HOLD_EXPIRES)))
      .then([expiredEvent]);
    spec
      .given([placedService])
      .when(expire(new Date('2030-01-02T00:00:00Z')))
      .then([expiredEvent]);
    expect(spec.given([placedService, expiredEvent]).state.status).toBe('EXPIRED');
  });

  it.each<[string, BookingEvent[]]>([
    ['CONFIRMED', confirmedService],
    ['CANCELLED', [placedService, cancelledBy('customer')]],
    ['EXPIRED', [placedService, expiredEvent]],
    ['COMPLETED', [...confirmedService, completedEvent]],
  ])('a %s booking -> no event', (_status, history) => {
    spec
      .given(history)
      .when(expire(new Date('2030-02-01T00:00:00Z')))
      .thenNothing();
  });
});

describe('CompleteBooking', () => {
  it.each([
    ['provider', provider],
    ['admin', admin],
  ])('the %s completes a started service', (_who, actor) => {
    spec.given(confirmedService).when(complete(actor, AFTER_START)).then([completedEvent]);
    expect(spec.given([...confirmedService, completedEvent]).state.status).toBe('COMPLETED');
  });

  it('completing exactly at the start is allowed', () => {
    spec
      .given(confirmedService)
      .when(complete(provider, new Date(SLOT.start)))
      .then([completedEvent]);
  });

  it('not before the start -> not-started', () => {
    spec
      .given(confirmedService)
      .when(complete(provider, minutesBeforeSlot(1)))
      .thenThrows('not-started');
  });

  it('a product booking completes at any time', () => {
    spec.given(confirmedProduct).when(complete(provider, NOW)).then([completedEvent]);
  });

  it.each([
    ['the customer', customer],
    ['another provider', otherProvider],
    ['the system', system],
  ])('%s -> ForbiddenError', (_who, actor) => {
    spec.given(confirmedService).when(complete(actor, AFTER_START)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it.each<[string, BookingEvent[]]>([
    ['PENDING', [placedService]],
    ['CANCELLED', [...confirmedService, cancelledBy('admin')]],
    ['COMPLETED', [...confirmedService, completedEvent]],
  ])('a %s booking -> invalid-booking-status', (status, history) => {
    spec.given(history).when(complete(provider, AFTER_START)).thenThrows('invalid-booking-status', { message: status });
  });
});

describe('MarkNoShow', () => {
  it.each([
    ['provider', provider],
    ['admin', admin],
  ])('the %s marks a started service as no-show', (_who, actor) => {
    spec.given(confirmedService).when(noShow(actor, AFTER_START)).then([noShowEvent]);
    expect(spec.given([...confirmedService, noShowEvent]).state.status).toBe('NO_SHOW');
  });

  it('not before the start -> not-started', () => {
    spec
      .given(confirmedService)
      .when(noShow(provider, minutesBeforeSlot(1)))
      .thenThrows('not-started');
  });

  it('a product booking -> not-a-service', () => {
    spec.given(confirmedProduct).when(noShow(provider, AFTER_START)).thenThrows('not-a-service');
  });

  it.each([
    ['the customer', customer],
    ['another provider', otherProvider],
  ])('%s -> ForbiddenError', (_who, actor) => {
    spec.given(confirmedService).when(noShow(actor, AFTER_START)).thenThrows('forbidden', { kind: 'forbidden' });
  });

  it.each<[string, BookingEvent[]]>([
    ['PENDING', [placedService]],
    ['NO_SHOW', [...confirmedService, noShowEvent]],
  ])('a %s booking -> invalid-booking-status', (status, history) => {
    spec.given(history).when(noShow(provider, AFTER_START)).thenThrows('invalid-booking-status', { message: status });
  });
});

describe('canSeeBooking', () => {
  it('is true for its customer, its provider and admins only', () => {
    expect(canSeeBooking(customer, serviceBooking)).toBe(true);
    expect(canSeeBooking(provider, serviceBooking)).toBe(true);
    expect(canSeeBooking(admin, serviceBooking)).toBe(true);
    expect(canSeeBooking(otherCustomer, serviceBooking)).toBe(false);
    expect(canSeeBooking(otherProvider, serviceBooking)).toBe(false);
    expect(canSeeBooking(system, serviceBooking)).toBe(false);
    // a provider id equal to the customer id does not make a customer the provider
    expect(canSeeBooking({ id: 'provider-1', role: 'customer' }, serviceBooking)).toBe(false);
  });
});
