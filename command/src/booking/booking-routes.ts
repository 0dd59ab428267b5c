import { Router, type Request, type Response } from 'express';
import {
  actorOf,
  clientIp,
  commandContext,
  commandRoute,
  executeCommand,
  executeCommandsTogether,
  ifMatchRevision,
  loadState,
  multiplyMoney,
  newId,
  parseInput,
  DomainRuleError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
  streams,
  type CommandContext,
  type SlotData,
} from '@booking/shared-kernel';
import { offeringDecider, type OfferingState } from '../catalog/offering.js';
import { isBookableSlot } from '../catalog/availability.js';
import { capacityDecider, type CapacityCommand } from './capacity.js';
import { bookingDecider, canSeeBooking, decideBooking, type BookingCommand } from './booking.js';
import { CancelBookingBody, PlaceBookingBody, RescheduleBookingBody } from './booking-requests.js';
import { accepted } from '../http/responses.js';
import type { CommandDeps } from '../http/deps.js';

export function bookingRoutes(deps: CommandDeps): Router {
  const { runtime, clock } = deps;
  const router = Router();

  async function publishedOffering(offeringId: string): Promise<OfferingState> {
    const { state } = await loadState(runtime, streams.offering(offeringId), offeringDecider);
    if (!state.exists || state.status !== 'published') throw new NotFoundError('offering');
    return state;
  }

  /** The slot starting at `start` if the offering's schedule offers it now. */
  function bookableSlot(offering: OfferingState, start: string, now: Date): SlotData {
    const slot = offering.schedule ? isBookableSlot(offering.schedule, new Date(start), now) : null;
    if (!slot) throw new DomainRuleError('slot-unavailable', 'no bookable slot starts at that time');
    return slot;
  }

  // The two functions place-booking hands to executeCommandsTogether are made by these
  // (not written inline under a name of their own: the platform's bundle keeps function
  // names, which costs a property definition for every named function made per request).

  /** the hold, decided when the capacity stream's state is at hand */
  function reserveCapacity(
    offering: OfferingState,
    bookingId: string,
    quantity: number,
    holdExpiresAt: Date,
  ): () => CapacityCommand {
    return () => ({
      type: 'ReserveCapacity' as const,
      offeringId: offering.offeringId,
      bookingId,
      quantity,
      holdExpiresAt,
      now: clock.now(),
      ...(offering.kind === 'service' ? { seats: offering.seatsPerSlot ?? 0 } : {}),
    });
  }

  /** where the store cannot append both at once: gives back a hold whose booking could not be recorded */
  function releaseOrphanedHold(capacityStreamId: string, bookingId: string, ctx: CommandContext): () => Promise<void> {
    return () =>
      executeCommand(
        runtime,
        capacityStreamId,
        capacityDecider,
        { type: 'ReleaseCapacity', bookingId, reason: 'orphaned', note: 'booking could not be recorded' },
        ctx,
      ).then(
        () => undefined,
        (releaseErr: unknown) =>
          deps.logger.error(
            { err: releaseErr, bookingId },
            'could not release capacity of an unrecorded booking; the hold will lapse',
          ),
      );
  }

  router.post(
    '/bookings',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req, 'customer');
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const body = parseInput(PlaceBookingBody, req.body);
      const offering = await publishedOffering(body.offeringId);
      const now = clock.now();
      const holdExpiresAt = new Date(now.getTime() + deps.config.holdMinutes * 60_000);
      const quantity = body.quantity ?? 1;
      let slot: SlotData | undefined;
      let capacityStreamId: string;
      if (offering.kind === 'service') {
        if (!body.slotStart) throw new ValidationError('a service booking needs slotStart', 'slotStart');
        slot = bookableSlot(offering, body.slotStart, now);
        capacityStreamId = streams.slot(offering.offeringId, slot.start);
      } else {
        if (body.slotStart) throw new ValidationError('a product booking has no slot', 'slotStart');
        if (body.quantity === undefined) throw new ValidationError('a product booking needs quantity', 'quantity');
        capacityStreamId = streams.inventory(offering.offeringId);
      }
      // Computed before anything is held: an amount out of range is refused with nothing appended.
      const total = multiplyMoney(offering.price, quantity);
      const bookingId = newId();
      const ip = clientIp(req).slice(0, 100);
      const userAgent = req.get('user-agent')?.slice(0, 1000);
      const client = {
        ...(ip && ip !== 'unknown' ? { ip } : {}),
        ...(userAgent ? { userAgent } : {}),
      };
      const place: BookingCommand = {
        type: 'PlaceBooking',
        actor,
        data: {
          bookingId,
          customerId: actor.id,
          providerId: offering.providerId,
          offeringId: offering.offeringId,
          offeringTitle: offering.title,
          kind: offering.kind,
          quantity,
          ...(slot ? { slot } : {}),
          capacityStreamId,
          unitPrice: offering.price,
          total,
          holdExpiresAt: holdExpiresAt.toISOString(),
          attribution: { ...(body.attribution ?? {}) },
          ...(Object.keys(client).length ? { client } : {}),
        },
      };
      // The hold and the booking are stored together (one append) or not at all. Where the
      // store cannot append to two streams atomically, the hold is stored first and given
      // back if the booking then cannot be recorded (else it would block until it lapses).
      const [, result] = await executeCommandsTogether(
        runtime,
        {
          streamId: capacityStreamId,
          decider: capacityDecider,
          command: reserveCapacity(offering, bookingId, quantity, holdExpiresAt),
        },
        // bookingId was minted above: the booking stream is known to be empty
        { streamId: streams.booking(bookingId), decider: bookingDecider, command: place, newStream: true },
        ctx,
        {
          compensate: releaseOrphanedHold(capacityStreamId, bookingId, ctx),
        },
      );
      return accepted(
        201,
        {
          bookingId,
          status: 'PENDING',
          holdExpiresAt: holdExpiresAt.toISOString(),
          total: place.data.total,
          slot: slot ?? null,
        },
        result.revision,
        result.position,
        `/api/bookings/${bookingId}`,
      );
    }),
  );

  /** Loads the booking and hides its existence from anyone who may not see it. */
  async function visibleBooking(req: Request, bookingId: string) {
    const actor = actorOf(req);
    const { state, revision } = await loadState(runtime, streams.booking(bookingId), bookingDecider);
    if (!state.placed || !canSeeBooking(actor, state.placed)) throw new NotFoundError('booking');
    return { actor, state, revision };
  }

  function bookingChange<B extends object>(
    path: string,
    body: (new () => B) | null,
    toCommand: (input: {
      body: B | null;
      req: Request;
      ctx: CommandContext;
      bookingId: string;
    }) => Promise<BookingCommand> | BookingCommand,
  ): void {
    router.post(
      `/bookings/:bookingId${path}`,
      commandRoute(runtime, async (req: Request, res: Response) => {
        actorOf(req);
        const bookingId = String(req.params.bookingId);
        const parsed = body ? parseInput(body, req.body) : null;
        const { actor, revision } = await visibleBooking(req, bookingId);
        const ctx: CommandContext = { ...commandContext(req, res), actor };
        // A stale or malformed If-Match is refused before `toCommand` holds anything.
        const ifMatch = ifMatchRevision(req);
        if (ifMatch !== undefined && ifMatch !== revision) {
          throw new PreconditionFailedError(`booking ${bookingId} is at revision ${revision}, not ${ifMatch}`);
        }
        const command = await toCommand({ body: parsed, req, ctx, bookingId });
        const result = await executeCommand(
          runtime,
          streams.booking(bookingId),
          bookingDecider,
          command,
          ctx,
          ifMatch === undefined ? {} : { ifMatch },
        );
        return accepted(
          200,
          { bookingId, status: result.state.status, slot: result.state.slot },
          result.revision,
          result.position,
        );
      }),
    );
  }

  const notice = deps.customerNoticeMinutes;
  bookingChange('/cancel', CancelBookingBody, ({ body, ctx }) => ({
    type: 'CancelBooking',
    actor: ctx.actor,
    reason: body!.reason,
    now: clock.now(),
    minimumNoticeMinutes: notice,
  }));
  bookingChange('/complete', null, ({ ctx }) => ({ type: 'CompleteBooking', actor: ctx.actor, now: clock.now() }));
  bookingChange('/no-show', null, ({ ctx }) => ({ type: 'MarkNoShow', actor: ctx.actor, now: clock.now() }));
  bookingChange('/reschedule', RescheduleBookingBody, async ({ body, ctx, bookingId }) => {
    const { state } = await loadState(runtime, streams.booking(bookingId), bookingDecider);
    const placed = state.placed!;
    if (placed.kind !== 'service')
      throw new DomainRuleError('not-a-service', 'only service bookings can be rescheduled');
    if (state.status !== 'CONFIRMED')
      throw new DomainRuleError('invalid-booking-status', `cannot reschedule a booking that is ${state.status}`);
    const offering = await publishedOffering(placed.offeringId);
    const now = clock.now();
    const to = bookableSlot(offering, body!.slotStart, now);
    const toCapacityStreamId = streams.slot(offering.offeringId, to.start);
    const command: BookingCommand = {
      type: 'RescheduleBooking',
      actor: ctx.actor,
      to,
      toCapacityStreamId,
      now,
      minimumNoticeMinutes: notice,
    };
    // Refusals (too late, not the customer's...) come before the new seat is held, or the
    // hold would block that seat until it lapses.
    decideBooking(command, state);
    if (toCapacityStreamId !== state.capacityStreamId) {
      // Hold the new seat first; the capacity reactor confirms it and frees the old one
      // once BookingRescheduled is recorded. If we crash in between, the hold lapses.
      await executeCommand(
        runtime,
        toCapacityStreamId,
        capacityDecider,
        {
          type: 'ReserveCapacity',
          offeringId: offering.offeringId,
          bookingId,
          quantity: placed.quantity,
          holdExpiresAt: new Date(now.getTime() + deps.config.holdMinutes * 60_000),
          seats: offering.seatsPerSlot ?? 0,
          now,
        },
        ctx,
      );
    }
    return command;
  });

  return router;
}
