/** Events of the payment context, stream `payment-<paymentId>` (one payment per booking:
 *  the payment id is the booking id, so starting twice finds the same payment). */
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';
import { MoneyData } from './common.js';

export const GATEWAYS = ['sandbox', 'stripe', 'paypal', 'manual'] as const;
export type GatewayName = (typeof GATEWAYS)[number];

export class PaymentStarted {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsString() customerId!: string;
  @IsString() providerId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
  @IsIn(GATEWAYS) gateway!: GatewayName;
  /** the gateway's id for the payment attempt (a Stripe PaymentIntent id, a PayPal order id) */
  @IsString() @Length(1, 200) intentId!: string;
}

export class CardData {
  @IsString() @Length(1, 30) brand!: string;
  @IsString() @Length(4, 4) last4!: string;
}

export class PaymentSucceeded {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
  @IsString() @Length(1, 200) gatewayReference!: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CardData) card?: CardData;
  /** the gateway's event (e.g. a Stripe `evt_…` webhook) that reported it, for deduplication */
  @IsOptional() @IsString() @Length(1, 200) gatewayEventId?: string;
}

export class PaymentFailed {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsString() @Length(1, 100) code!: string;
  @IsString() @Length(1, 500) reason!: string;
  @IsOptional() @IsString() @Length(1, 200) gatewayEventId?: string;
}

export class PaymentRefunded {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
  @IsString() @Length(1, 500) reason!: string;
  @IsString() @Length(1, 200) gatewayReference!: string;
  @IsOptional() @IsString() @Length(1, 200) gatewayEventId?: string;
}

/** The gateway cancelled the payment attempt (e.g. Stripe `payment_intent.canceled`):
 *  it can no longer succeed. */
export class PaymentCanceled {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsString() @Length(1, 500) reason!: string;
  @IsOptional() @IsString() @Length(1, 200) gatewayEventId?: string;
}

/** The customer's bank disputed the charge (Stripe `charge.dispute.created`). */
export class PaymentDisputed {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  /** the gateway's dispute id (`dp_…`) */
  @IsString() @Length(1, 200) disputeId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
  @IsString() @Length(1, 500) reason!: string;
  @IsOptional() @IsString() @Length(1, 200) gatewayEventId?: string;
}

/** An admin recorded a payment received outside the gateway (cash, bank transfer). */
export class PaymentMarkedPaid {
  @IsUUID() paymentId!: string;
  @IsUUID() bookingId!: string;
  @IsString() customerId!: string;
  @IsString() providerId!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) amount!: MoneyData;
  @IsString() @Length(1, 500) reason!: string;
}

export const paymentEvents = [
  defineEvent('PaymentStarted', PaymentStarted),
  defineEvent('PaymentSucceeded', PaymentSucceeded),
  defineEvent('PaymentFailed', PaymentFailed),
  defineEvent('PaymentRefunded', PaymentRefunded),
  defineEvent('PaymentMarkedPaid', PaymentMarkedPaid),
  defineEvent('PaymentCanceled', PaymentCanceled),
  defineEvent('PaymentDisputed', PaymentDisputed),
];

export type PaymentEvent =
  | EventOf<'PaymentStarted', PaymentStarted>
  | EventOf<'PaymentSucceeded', PaymentSucceeded>
  | EventOf<'PaymentFailed', PaymentFailed>
  | EventOf<'PaymentRefunded', PaymentRefunded>
  | EventOf<'PaymentMarkedPaid', PaymentMarkedPaid>
  | EventOf<'PaymentCanceled', PaymentCanceled>
  | EventOf<'PaymentDisputed', PaymentDisputed>;
