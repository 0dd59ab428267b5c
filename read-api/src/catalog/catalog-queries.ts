import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageQuery } from '../http/paging.js';
import { decimal, LAT_LNG, MAX_RADIUS_KM } from '../geo/geo-queries.js';

export class CatalogQuery extends PageQuery {
  /** free text over title, description, category and address */
  @IsOptional() @IsString() @Length(1, 100) q?: string;
  @IsOptional() @IsIn(['product', 'service']) kind?: 'product' | 'service';
  @IsOptional() @IsString() @Length(1, 100) providerId?: string;
  @IsOptional() @IsString() @Length(1, 100) category?: string;
  /** minor units */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) minPrice?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) maxPrice?: number;
  @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
  /** only offerings with something bookable in [availableFrom, availableTo) */
  @IsOptional() @IsISO8601({ strict: true }) availableFrom?: string;
  @IsOptional() @IsISO8601({ strict: true }) availableTo?: string;
  /** distance search: `<lat>,<lng>`; only offerings with coordinates, each with `distanceKm` */
  @IsOptional() @Matches(LAT_LNG, { message: 'near must be <lat>,<lng> in decimal degrees' }) near?: string;
  /** with `near`: only offerings at most this far (km); absent: no limit */
  @IsOptional() @Transform(decimal) @IsNumber() @IsPositive() @Max(MAX_RADIUS_KM) radiusKm?: number;
  /** `distance` (needs `near`) is the default order of a distance search */
  @IsOptional() @IsIn(['title', 'price', '-price', 'newest', 'distance']) sort?: string;
}

export class AvailabilityQuery {
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class ProviderOfferingsQuery extends PageQuery {
  @IsOptional() @IsIn(['draft', 'published', 'retired']) status?: string;
}

export const MAX_RANGE_DAYS = 62;
export { Max };
