/**
 * The aggregates whose history admins can open, with the fold that replays their state.
 * The folds are the deciders' own `evolve`, so a replay is exactly what a command saw.
 */
import { streams, type DomainEvent } from '@booking/shared-kernel';
import { bookingDecider, capacityDecider, offeringDecider, paymentDecider } from '@booking/command';

export interface AuditedAggregate {
  streamOf(id: string): string;
  initialState: unknown;
  evolve(state: unknown, event: DomainEvent): unknown;
}

const fold = (d: { initialState: unknown; evolve: (s: never, e: never) => unknown }) => ({
  initialState: d.initialState,
  evolve: d.evolve as (state: unknown, event: DomainEvent) => unknown,
});

export const AUDITED: Record<string, AuditedAggregate> = {
  bookings: { streamOf: streams.booking, ...fold(bookingDecider) },
  payments: { streamOf: streams.payment, ...fold(paymentDecider) },
  offerings: { streamOf: streams.offering, ...fold(offeringDecider) },
  inventories: { streamOf: streams.inventory, ...fold(capacityDecider) },
  slots: { streamOf: (id) => `slot-${id}`, ...fold(capacityDecider) },
};
