import { IsOptional, IsString, Matches } from 'class-validator';

export class LiveBookingsQuery {
  /** only this booking's changes */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,100}$/) bookingId?: string;
}
