/** Events of the booking context, stream `booking-<bookingId>`. */
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';
import { AttributionData, MoneyData, SlotData } from './common.js';
import { OFFERING_KINDS, type OfferingKind } from './catalog.js';

/** The browser that placed a booking, forwarded with its conversions (absent on older events). */
export class ClientData {
  @IsOptional() @IsString() @Length(1, 100) ip?: string;
  @IsOptional() @IsString() @Length(1, 1000) userAgent?: string;
}

export class BookingPlaced {
  @IsUUID() bookingId!: string;
  @IsString() customerId!: string;
  @IsString() providerId!: string;
  @IsUUID() offeringId!: string;
  @IsString() @Length(1, 200) offeringTitle!: string;
  @IsIn(OFFERING_KINDS) kind!: OfferingKind;
  @IsInt() @Min(1) @Max(10_000) quantity!: number;
  /** services only */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SlotData) slot?: SlotData;
  /** the stream that holds this booking's capacity */
  @IsString() capacityStreamId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) unitPrice!: MoneyData;
  @IsObject() @ValidateNested() @Type(() => MoneyData) total!: MoneyData;
  @IsISO8601({ strict: true }) holdExpiresAt!: string;
  @IsObject() @ValidateNested() @Type(() => AttributionData) attribution!: AttributionData;
  /** the client's IP and user agent at booking; optional so events recorded before stay valid */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ClientData) client?: ClientData;
}

export class BookingConfirmed {
  @IsUUID() bookingId!: string;
  @IsUUID() paymentId!: string;
}

export class SlotMove {
  @IsObject() @ValidateNested() @Type(() => SlotData) slot!: SlotData;
  @IsString() capacityStreamId!: string;
}

export class BookingRescheduled {
  @IsUUID() bookingId!: string;
  @IsObject() @ValidateNested() @Type(() => SlotMove) from!: SlotMove;
  @IsObject() @ValidateNested() @Type(() => SlotMove) to!: SlotMove;
}

export const CANCELLERS = ['customer', 'provider', 'admin'] as const;

export class BookingCancelled {
  @IsUUID() bookingId!: string;
  @IsIn(CANCELLERS) cancelledBy!: (typeof CANCELLERS)[number];
  @IsString() @Length(1, 500) reason!: string;
}

export class BookingExpired {
  @IsUUID() bookingId!: string;
}

export class BookingCompleted {
  @IsUUID() bookingId!: string;
}

export class BookingMarkedNoShow {
  @IsUUID() bookingId!: string;
}

export const bookingEvents = [
  defineEvent('BookingPlaced', BookingPlaced),
  defineEvent('BookingConfirmed', BookingConfirmed),
  defineEvent('BookingRescheduled', BookingRescheduled),
  defineEvent('BookingCancelled', BookingCancelled),
  defineEvent('BookingExpired', BookingExpired),
  defineEvent('BookingCompleted', BookingCompleted),
  defineEvent('BookingMarkedNoShow', BookingMarkedNoShow),
];

export type BookingEvent =
  | EventOf<'BookingPlaced', BookingPlaced>
  | EventOf<'BookingConfirmed', BookingConfirmed>
  | EventOf<'BookingRescheduled', BookingRescheduled>
  | EventOf<'BookingCancelled', BookingCancelled>
  | EventOf<'BookingExpired', BookingExpired>
  | EventOf<'BookingCompleted', BookingCompleted>
  | EventOf<'BookingMarkedNoShow', BookingMarkedNoShow>;
