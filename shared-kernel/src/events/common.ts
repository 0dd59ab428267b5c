import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/** Money as stored in events: integer minor units and an ISO 4217 code. */
export class MoneyData {
  @IsInt() amount!: number;
  @Matches(/^[A-Z]{3}$/) currency!: string;
}

export class SlotData {
  @IsISO8601({ strict: true }) start!: string;
  @IsISO8601({ strict: true }) end!: string;
}

export class AttributionData {
  @IsOptional() @IsString() @Length(1, 200) utmSource?: string;
  @IsOptional() @IsString() @Length(1, 200) utmMedium?: string;
  @IsOptional() @IsString() @Length(1, 200) utmCampaign?: string;
  @IsOptional() @IsString() @Length(1, 200) utmTerm?: string;
  @IsOptional() @IsString() @Length(1, 200) utmContent?: string;
  @IsOptional() @IsString() @Length(1, 500) ttclid?: string;
}

export class LocationData {
  @IsString() @Length(1, 300) address!: string;
  @IsOptional() @IsString() @Length(1, 100) city?: string;
  @IsOptional() @Matches(/^[A-Z]{2}$/) country?: string;
  @IsOptional() @Min(-90) @Max(90) lat?: number;
  @IsOptional() @Min(-180) @Max(180) lng?: number;
  /** Google place id of the address (chosen through /api/geo); absent on older events */
  @IsOptional() @IsString() @Length(1, 500) @Matches(/^[\w-]+$/) placeId?: string;
}

export const ROLES = ['customer', 'provider', 'admin', 'analyst', 'system'] as const;

export class ActorData {
  @IsString() id!: string;
  @IsIn(ROLES) role!: (typeof ROLES)[number];
}

export { Type, ValidateNested };
