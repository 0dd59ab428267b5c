import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '../http/paging.js';

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
  @IsOptional() @IsIn(['title', 'price', '-price', 'newest']) sort?: string;
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
