import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '../http/paging.js';

export const BOOKING_STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'COMPLETED', 'NO_SHOW'] as const;

export class BookingListQuery extends PageQuery {
  @IsOptional() @IsIn(BOOKING_STATUSES) status?: string;
  @IsOptional() @IsUUID() offeringId?: string;
  /** bookings placed at or after / before */
  @IsOptional() @IsISO8601({ strict: true }) placedFrom?: string;
  @IsOptional() @IsISO8601({ strict: true }) placedTo?: string;
}

export class AdminBookingListQuery extends BookingListQuery {
  @IsOptional() @IsString() @Length(1, 100) customerId?: string;
  @IsOptional() @IsString() @Length(1, 100) providerId?: string;
}
