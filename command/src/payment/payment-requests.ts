import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { MoneyData } from '@booking/shared-kernel';

/** `card`: the card gateway this platform runs (Stripe, or the sandbox); `paypal` when offered. */
export const PAYMENT_METHODS = ['card', 'paypal'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export class StartPaymentBody {
  /** default `card`; choosing another method later replaces the open attempt */
  @IsOptional() @IsIn(PAYMENT_METHODS) method?: PaymentMethod;
}

export class SandboxConfirmBody {
  @IsString() @Matches(/^[\d\s-]{12,23}$/, { message: 'cardNumber must be 12 to 19 digits' }) cardNumber!: string;
}

export class MarkPaidBody {
  @IsString() @Length(1, 500) reason!: string;
}

export class RefundBody {
  /** defaults to everything still refundable (when absent; `null` is refused) */
  @ValidateIf((_o: object, value: unknown) => value !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyData)
  amount?: MoneyData;
  @IsString() @Length(1, 500) reason!: string;
}
