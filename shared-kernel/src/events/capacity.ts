/**
 * Events of capacity streams: `inventory-<offeringId>` (a product's stock) and
 * `slot-<offeringId>-<startEpochMs>` (a service slot's seats). Capacity is decided inside
 * one stream so concurrent bookings can never exceed it.
 */
import { IsIn, IsInt, IsISO8601, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';

/** Stock of a product changed by `delta`; `stock` is the unsold stock afterwards. */
export class StockAdjusted {
  @IsUUID() offeringId!: string;
  @IsInt() delta!: number;
  @IsInt() @Min(0) stock!: number;
}

/** Units or seats held for a booking until `holdExpiresAt` (or until confirmed). */
export class CapacityReserved {
  @IsUUID() offeringId!: string;
  @IsUUID() bookingId!: string;
  @IsInt() @Min(1) @Max(10_000) quantity!: number;
  @IsISO8601({ strict: true }) holdExpiresAt!: string;
}

export class CapacityConfirmed {
  @IsUUID() bookingId!: string;
}

export const RELEASE_REASONS = ['cancelled', 'expired', 'rescheduled', 'orphaned'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export class CapacityReleased {
  @IsUUID() bookingId!: string;
  @IsIn(RELEASE_REASONS) reason!: ReleaseReason;
  @IsString() @Length(0, 200) note!: string;
}

export const capacityEvents = [
  defineEvent('StockAdjusted', StockAdjusted),
  defineEvent('CapacityReserved', CapacityReserved),
  defineEvent('CapacityConfirmed', CapacityConfirmed),
  defineEvent('CapacityReleased', CapacityReleased),
];

export type CapacityEvent =
  | EventOf<'StockAdjusted', StockAdjusted>
  | EventOf<'CapacityReserved', CapacityReserved>
  | EventOf<'CapacityConfirmed', CapacityConfirmed>
  | EventOf<'CapacityReleased', CapacityReleased>;
