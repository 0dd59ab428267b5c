/**
 * Capacity follows the booking: a cancelled or expired booking gives its units or seats
 * back; a rescheduled one confirms its new seat and frees the old one.
 */
import { executeCommand, loadState, streams, type CommandContext } from '@booking/shared-kernel';
import { bookingDecider, capacityDecider, offeringDecider } from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';

export const capacityReleaseReactor: Reactor = {
  name: 'capacity-release',
  eventTypes: new Set(['BookingCancelled', 'BookingExpired', 'BookingRescheduled']),
  async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
    const release = (streamId: string, bookingId: string, reason: 'cancelled' | 'expired' | 'rescheduled') =>
      executeCommand(deps.runtime, streamId, capacityDecider, { type: 'ReleaseCapacity', bookingId, reason }, ctx);
    switch (event.type) {
      case 'BookingCancelled':
      case 'BookingExpired': {
        const { state } = await loadState(deps.runtime, streams.booking(event.data.bookingId), bookingDecider);
        await release(
          state.capacityStreamId,
          event.data.bookingId,
          event.type === 'BookingCancelled' ? 'cancelled' : 'expired',
        );
        return;
      }
      case 'BookingRescheduled': {
        const { state } = await loadState(deps.runtime, streams.booking(event.data.bookingId), bookingDecider);
        const { state: offering } = await loadState(
          deps.runtime,
          streams.offering(state.placed!.offeringId),
          offeringDecider,
        );
        await executeCommand(
          deps.runtime,
          event.data.to.capacityStreamId,
          capacityDecider,
          {
            type: 'ConfirmCapacity',
            bookingId: event.data.bookingId,
            now: deps.clock.now(),
            seats: offering.seatsPerSlot ?? 0,
          },
          ctx,
        );
        await release(event.data.from.capacityStreamId, event.data.bookingId, 'rescheduled');
        return;
      }
    }
  },
};
