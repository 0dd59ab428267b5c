/**
 * Events of `idempotency-<hash>` streams: an `Idempotency-Key` claimed by a request and
 * the response it produced, kept in the event store like everything the write side writes.
 */
import { IsISO8601, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';

export class IdempotencyKeyClaimed {
  @IsString() @Length(64, 64) requestHash!: string;
  /** when the claim was made; a claim without an answer after the lease may be taken over
   *  (claims recorded before this field existed count as expired) */
  @IsOptional() @IsISO8601({ strict: true }) claimedAt?: string;
}

export class IdempotentResponseRecorded {
  @IsString() @Length(64, 64) requestHash!: string;
  @IsInt() @Min(100) @Max(599) status!: number;
  @IsObject() headers!: Record<string, string>;
  @IsString() body!: string;
}

/** The request failed in a way worth retrying (5xx); the key may be used again. */
export class IdempotencyKeyReleased {
  @IsString() @Length(64, 64) requestHash!: string;
}

export const idempotencyEvents = [
  defineEvent('IdempotencyKeyClaimed', IdempotencyKeyClaimed),
  defineEvent('IdempotentResponseRecorded', IdempotentResponseRecorded),
  defineEvent('IdempotencyKeyReleased', IdempotencyKeyReleased),
];

export type IdempotencyEvent =
  | EventOf<'IdempotencyKeyClaimed', IdempotencyKeyClaimed>
  | EventOf<'IdempotentResponseRecorded', IdempotentResponseRecorded>
  | EventOf<'IdempotencyKeyReleased', IdempotencyKeyReleased>;
