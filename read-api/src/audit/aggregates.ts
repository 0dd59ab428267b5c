/**
 * The aggregates whose history admins can open, with the fold that replays their state.
 * The folds are the deciders' own `evolve`, so a replay is exactly what a command saw.
 */
import { streams, type DomainEvent } from '@booking/shared-kernel';
import {
  bookingDecider,
  capacityDecider,
  offeringDecider,
  paymentDecider,
  receiptDecider,
  receiptStreams,
  userDecider,
} from '@booking/command';

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
  receipts: { streamOf: receiptStreams.receipt, ...fold(receiptDecider) },
  users: { streamOf: streams.user, ...fold(userDecider) },
};

/**
 * Fields that hold a credential's hash (password, single-use tokens, refresh tokens).
 * Audit answers show that they were set or changed, never their value.
 */
const SECRET_FIELDS = new Set([
  'passwordHash',
  'tokenHash',
  'refreshTokenHash',
  'previousHash',
  'currentHash',
  'usedHashes',
]);
export const REDACTED = '[redacted]';

/** A copy of `value` with every secret field replaced by `[redacted]`, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) && v !== null ? REDACTED : redactSecrets(v)]),
  );
}
