/** Queries of the geocoding endpoints and of the catalog's distance search (issue #9). */
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';

const DECIMAL = /^-?\d{1,6}(\.\d{1,15})?$/;

/** A query string that is a plain decimal becomes a number; anything else stays as it is
 *  and fails `@IsNumber()` (so '', '1e3', '0x10' and '12abc' are refused, not coerced). */
export const decimal = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;

/** `<lat>,<lng>` in decimal degrees */
export const LAT_LNG = /^(-?\d{1,3}(?:\.\d{1,15})?),(-?\d{1,3}(?:\.\d{1,15})?)$/;

/** The radius of a distance search: above 0 and at most about half the Earth's circumference. */
export const MAX_RADIUS_KM = 20_000;

export class AutocompleteQuery {
  @IsString() @Length(2, 200) q!: string;
  @IsOptional() @Matches(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}$/) language?: string;
  /** one token per autocomplete session (Google bills the session's requests together) */
  @IsOptional() @Matches(/^[\w-]{8,100}$/) sessionToken?: string;
}

export class GeocodeQuery {
  /** free text; or `placeId`, from an autocomplete suggestion */
  @ValidateIf((o: GeocodeQuery) => o.placeId === undefined) @IsString() @Length(1, 300) address?: string;
  @IsOptional() @IsString() @Length(1, 500) @Matches(/^[\w-]+$/) placeId?: string;
}

export class ReverseQuery {
  @Transform(decimal) @IsNumber() @Min(-90) @Max(90) lat!: number;
  @Transform(decimal) @IsNumber() @Min(-180) @Max(180) lng!: number;
}
