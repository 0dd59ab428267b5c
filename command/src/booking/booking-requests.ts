import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { AttributionData } from '@booking/shared-kernel';

export class PlaceBookingBody {
  @IsUUID() offeringId!: string;
  /** products: units; services: seats in the slot (default 1) */
  @IsOptional() @IsInt() @Min(1) @Max(100) quantity?: number;
  /** services: the slot's start, an ISO-8601 instant */
  @IsOptional() @IsISO8601({ strict: true }) slotStart?: string;
  @IsOptional() @ValidateNested() @Type(() => AttributionData) attribution?: AttributionData;
}

export class CancelBookingBody {
  @IsString() @Length(1, 500) reason!: string;
}

export class RescheduleBookingBody {
  @IsISO8601({ strict: true }) slotStart!: string;
}
