/** Request bodies of the catalog endpoints; validated by class-validator, and the source
 *  of the OpenAPI schemas. */
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  LocationData,
  MoneyData,
  OFFERING_KINDS,
  ServiceScheduleData,
  type OfferingKind,
} from '@booking/shared-kernel';

/** Optional, but never `null`: a null would erase a detail every offering must have. */
const IfPresent = () => ValidateIf((_o: object, value: unknown) => value !== undefined);

// Nested objects are `@IsObject()` too: `@ValidateNested()` alone lets an array through.
export class CreateOfferingBody {
  @IsIn(OFFERING_KINDS) kind!: OfferingKind;
  @IsString() @Length(1, 200) title!: string;
  @IsOptional() @IsString() @Length(0, 5000) description?: string;
  @IsString() @Length(1, 100) category!: string;
  @IsObject() @ValidateNested() @Type(() => MoneyData) price!: MoneyData;
  /** products: units for sale */
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000) stock?: number;
  /** services: seats in each slot */
  @IsOptional() @IsInt() @Min(1) @Max(10_000) seatsPerSlot?: number;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ServiceScheduleData) schedule?: ServiceScheduleData;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LocationData) location?: LocationData;
  /** admins create offerings on behalf of a provider */
  @IsOptional() @IsString() @Length(1, 100) providerId?: string;
  /** publish right away */
  @IsOptional() @IsIn([true, false]) publish?: boolean;
}

export class ChangeOfferingDetailsBody {
  @IfPresent() @IsString() @Length(1, 200) title?: string;
  @IfPresent() @IsString() @Length(0, 5000) description?: string;
  @IfPresent() @IsString() @Length(1, 100) category?: string;
  @IfPresent() @IsObject() @ValidateNested() @Type(() => LocationData) location?: LocationData;
}

export class ChangePriceBody {
  @IsObject() @ValidateNested() @Type(() => MoneyData) price!: MoneyData;
}

export class ChangeScheduleBody {
  @IsObject() @ValidateNested() @Type(() => ServiceScheduleData) schedule!: ServiceScheduleData;
}

export class ChangeSeatsBody {
  @IsInt() @Min(1) @Max(10_000) seatsPerSlot!: number;
}

export class SetStockBody {
  @IsInt() @Min(0) @Max(1_000_000) stock!: number;
}
