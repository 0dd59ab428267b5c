/** Events of the catalog context, stream `offering-<offeringId>`. */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';
import { LocationData, MoneyData } from './common.js';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class TimeWindowData {
  @Matches(HHMM) start!: string;
  @Matches(HHMM) end!: string;
}

export class WeeklyRuleData {
  @IsInt() @Min(1) @Max(7) weekday!: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  @IsArray() @ArrayMaxSize(24) @ValidateNested({ each: true }) @Type(() => TimeWindowData) windows!: TimeWindowData[];
}

export class DateOverrideData {
  @Matches(DATE) date!: string;
  @IsArray() @ArrayMaxSize(24) @ValidateNested({ each: true }) @Type(() => TimeWindowData) windows!: TimeWindowData[];
}

export class ClosureData {
  @Matches(DATE) from!: string;
  @Matches(DATE) to!: string;
}

/** When a service can be booked; interpreted by command/src/catalog/availability.ts. */
export class ServiceScheduleData {
  @IsString() @Length(1, 64) timeZone!: string;
  @IsArray()
  @ArrayMaxSize(7)
  @ValidateNested({ each: true })
  @Type(() => WeeklyRuleData)
  weeklyRules!: WeeklyRuleData[];
  @IsArray()
  @ArrayMaxSize(366)
  @ValidateNested({ each: true })
  @Type(() => DateOverrideData)
  overrides!: DateOverrideData[];
  @IsArray() @ArrayMaxSize(366) @ValidateNested({ each: true }) @Type(() => ClosureData) closures!: ClosureData[];
  @IsInt() @Min(1) @Max(24 * 60) durationMinutes!: number;
  @IsInt() @Min(1) @Max(24 * 60) slotIntervalMinutes!: number;
  @IsInt() @Min(0) @Max(24 * 60) bufferBeforeMinutes!: number;
  @IsInt() @Min(0) @Max(24 * 60) bufferAfterMinutes!: number;
  @IsInt() @Min(0) @Max(60 * 24 * 365) minimumNoticeMinutes!: number;
  @IsInt() @Min(1) @Max(730) maxHorizonDays!: number;
}

export const OFFERING_KINDS = ['product', 'service'] as const;
export type OfferingKind = (typeof OFFERING_KINDS)[number];

export class OfferingCreated {
  @IsUUID() offeringId!: string;
  @IsString() providerId!: string;
  @IsIn(OFFERING_KINDS) kind!: OfferingKind;
  @IsString() @Length(1, 200) title!: string;
  @IsString() @Length(0, 5000) description!: string;
  @IsString() @Length(1, 100) category!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) price!: MoneyData;
  /** seats per slot, services only */
  @IsOptional() @IsInt() @Min(1) @Max(10_000) seatsPerSlot?: number;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ServiceScheduleData) schedule?: ServiceScheduleData;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LocationData) location?: LocationData;
}

export class OfferingDetailsChanged {
  @IsUUID() offeringId!: string;
  @IsOptional() @IsString() @Length(1, 200) title?: string;
  @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @IsOptional() @IsString() @Length(1, 100) category?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LocationData) location?: LocationData;
}

export class OfferingPriceChanged {
  @IsUUID() offeringId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) price!: MoneyData;
}

export class OfferingScheduleChanged {
  @IsUUID() offeringId!: string;
  @IsObject() @ValidateNested() @Type(() => ServiceScheduleData) schedule!: ServiceScheduleData;
}

export class OfferingSeatsChanged {
  @IsUUID() offeringId!: string;
  @IsInt() @Min(1) @Max(10_000) seatsPerSlot!: number;
}

export class OfferingPublished {
  @IsUUID() offeringId!: string;
}

export class OfferingRetired {
  @IsUUID() offeringId!: string;
}

export const catalogEvents = [
  defineEvent('OfferingCreated', OfferingCreated),
  defineEvent('OfferingDetailsChanged', OfferingDetailsChanged),
  defineEvent('OfferingPriceChanged', OfferingPriceChanged),
  defineEvent('OfferingScheduleChanged', OfferingScheduleChanged),
  defineEvent('OfferingSeatsChanged', OfferingSeatsChanged),
  defineEvent('OfferingPublished', OfferingPublished),
  defineEvent('OfferingRetired', OfferingRetired),
];

export type CatalogEvent =
  | EventOf<'OfferingCreated', OfferingCreated>
  | EventOf<'OfferingDetailsChanged', OfferingDetailsChanged>
  | EventOf<'OfferingPriceChanged', OfferingPriceChanged>
  | EventOf<'OfferingScheduleChanged', OfferingScheduleChanged>
  | EventOf<'OfferingSeatsChanged', OfferingSeatsChanged>
  | EventOf<'OfferingPublished', OfferingPublished>
  | EventOf<'OfferingRetired', OfferingRetired>;
