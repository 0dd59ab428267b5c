/**
 * Events that record the side effects of a paid booking (issue #7). Each is appended by a
 * reactor through an idempotent command keyed by the causing event, so a redelivered
 * event finds its effect already recorded and does nothing.
 *
 * Streams: `receipt-numbers-<year>` (gap-free numbering, decided in one stream),
 * `receipt-<receiptId>` (a receipt or a credit note), `notification-<notificationId>`
 * (NotificationIntended before each hand-off to the provider, then NotificationSent),
 * `conversions-<bookingId>`.
 */
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
import { MoneyData } from './common.js';

export const RECEIPT_KINDS = ['receipt', 'credit-note'] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

/** A receipt (or credit note) number was taken from the year's sequence. */
export class ReceiptNumberAllocated {
  @IsInt() @Min(2000) @Max(9999) year!: number;
  @IsInt() @Min(1) sequence!: number;
  /** formatted, e.g. `2026-000042` */
  @IsString() @Length(1, 40) number!: string;
  @IsUUID() receiptId!: string;
  @IsIn(RECEIPT_KINDS) kind!: ReceiptKind;
}

export class ReceiptLineData {
  @IsString() @Length(1, 300) description!: string;
  @IsInt() @Min(1) quantity!: number;
  @IsObject() @ValidateNested() @Type(() => MoneyData) unitPrice!: MoneyData;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
}

export class ReceiptPartyData {
  @IsString() @Length(1, 200) id!: string;
  @IsString() @Length(1, 300) name!: string;
  @IsOptional() @IsString() @Length(1, 320) email?: string;
}

class ReceiptDocumentData {
  @IsUUID() receiptId!: string;
  @IsString() @Length(1, 40) number!: string;
  @IsInt() year!: number;
  @IsUUID() bookingId!: string;
  @IsUUID() paymentId!: string;
  @IsObject() @ValidateNested() @Type(() => ReceiptPartyData) seller!: ReceiptPartyData;
  @IsObject() @ValidateNested() @Type(() => ReceiptPartyData) buyer!: ReceiptPartyData;
  @ValidateNested({ each: true }) @Type(() => ReceiptLineData) lines!: ReceiptLineData[];
  /** tax rate in basis points (0 when no tax is configured) */
  @IsInt() @Min(0) @Max(10_000) taxRateBps!: number;
  @IsObject() @ValidateNested() @Type(() => MoneyData) net!: MoneyData;
  @IsObject() @ValidateNested() @Type(() => MoneyData) tax!: MoneyData;
  @IsObject() @ValidateNested() @Type(() => MoneyData) total!: MoneyData;
  @IsString() @Length(1, 100) paymentMethod!: string;
  @IsISO8601({ strict: true }) paidAt!: string;
  @IsISO8601({ strict: true }) issuedAt!: string;
  /** where the PDF is, in the object store */
  @IsString() @Length(1, 500) objectKey!: string;
  @IsString() @Length(64, 64) sha256!: string;
  /** the event that caused it */
  @IsString() causeEventId!: string;
}

export class ReceiptIssued extends ReceiptDocumentData {}

export class CreditNoteIssued extends ReceiptDocumentData {
  /** the receipt it corrects, when one was issued */
  @IsOptional() @IsString() @Length(1, 40) receiptNumber?: string;
  @IsString() @Length(1, 500) reason!: string;
}

export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;

/**
 * Recorded just before a notification is handed to the provider (SMTP, Twilio), one per
 * hand-off. An intent without a NotificationSent after it means the process stopped between
 * the hand-off and its record: the provider may or may not have the message, so the next
 * delivery sends it again with the same Message-ID and Date (see docs/effects.md).
 */
export class NotificationIntended {
  @IsUUID() notificationId!: string;
  @IsIn(NOTIFICATION_CHANNELS) channel!: (typeof NOTIFICATION_CHANNELS)[number];
  @IsString() @Length(1, 100) template!: string;
  @IsString() @Length(64, 64) recipientHash!: string;
  /** 1 for the first hand-off, 2 for a resend after an unrecorded one, ... */
  @IsInt() @Min(1) attempt!: number;
  /** email: the RFC 5322 Message-ID every hand-off of this notification carries */
  @IsOptional() @IsString() @Length(3, 300) messageId?: string;
  /** when the message was composed: its Date header, the same on every resend */
  @IsISO8601({ strict: true }) composedAt!: string;
  @IsOptional() @IsUUID() bookingId?: string;
  @IsString() causeEventId!: string;
}

export const NOTIFICATION_OUTCOMES = ['sent', 'recorded', 'skipped', 'failed'] as const;

export class NotificationSent {
  @IsUUID() notificationId!: string;
  @IsIn(NOTIFICATION_CHANNELS) channel!: (typeof NOTIFICATION_CHANNELS)[number];
  @IsString() @Length(1, 100) template!: string;
  /** sha256 of the normalised recipient address: no personal data in the log */
  @IsString() @Length(64, 64) recipientHash!: string;
  @IsString() @Length(1, 300) providerMessageId!: string;
  /**
   * `sent`; `recorded` when no provider is configured (dry run); `skipped` (opted out, no
   * address); `failed` when the provider refused the message for good (`errorCode`, `error`)
   */
  @IsIn(NOTIFICATION_OUTCOMES) outcome!: (typeof NOTIFICATION_OUTCOMES)[number];
  /** hand-offs to the provider (NotificationIntended); more than 1 only after a crash or a failed send */
  @IsOptional() @IsInt() @Min(0) attempts?: number;
  /** the provider's error code (e.g. Twilio 21211) when `failed` */
  @IsOptional() @IsInt() errorCode?: number;
  @IsOptional() @IsString() @Length(1, 1000) error?: string;
  @IsOptional() @IsUUID() bookingId?: string;
  @IsString() causeEventId!: string;
}

export class ConversionForwarded {
  @IsUUID() bookingId!: string;
  /** TikTok event name, e.g. Purchase, InitiateCheckout, Schedule */
  @IsString() @Length(1, 100) eventName!: string;
  /** the event_id shared with the browser pixel (TikTok deduplicates on it) */
  @IsString() @Length(1, 200) eventId!: string;
  @IsIn(['sent', 'dry-run', 'parked']) outcome!: 'sent' | 'dry-run' | 'parked';
  @IsOptional() @IsInt() code?: number;
  @IsOptional() @IsString() @Length(0, 1000) message?: string;
  @IsInt() @Min(0) attempts!: number;
  @IsOptional() @IsString() @Length(1, 100) testEventCode?: string;
  @IsString() causeEventId!: string;
}

export const effectEvents = [
  defineEvent('ReceiptNumberAllocated', ReceiptNumberAllocated),
  defineEvent('ReceiptIssued', ReceiptIssued),
  defineEvent('CreditNoteIssued', CreditNoteIssued),
  defineEvent('NotificationIntended', NotificationIntended),
  defineEvent('NotificationSent', NotificationSent),
  defineEvent('ConversionForwarded', ConversionForwarded),
];

export type EffectEvent =
  | EventOf<'ReceiptNumberAllocated', ReceiptNumberAllocated>
  | EventOf<'ReceiptIssued', ReceiptIssued>
  | EventOf<'CreditNoteIssued', CreditNoteIssued>
  | EventOf<'NotificationIntended', NotificationIntended>
  | EventOf<'NotificationSent', NotificationSent>
  | EventOf<'ConversionForwarded', ConversionForwarded>;
