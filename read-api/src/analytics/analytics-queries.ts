import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ANALYTICS_DIMENSIONS, type AnalyticsDimension } from '@booking/projections';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

/** Query of every analyst endpoint: a UTC day range, grouping, filters, paging, format. */
export class AnalyticsQuery {
  /** first UTC day, inclusive (default: 30 days before `to`) */
  @IsOptional() @Matches(DAY) from?: string;
  /** last UTC day, inclusive (default: today) */
  @IsOptional() @Matches(DAY) to?: string;
  /** time bucket: day, week (ISO, starting Monday) or month */
  @IsOptional() @IsIn(PERIODS) groupBy?: Period;
  /** also group by this dimension */
  @IsOptional() @IsIn(ANALYTICS_DIMENSIONS) dimension?: AnalyticsDimension;
  /** only this value of `dimension` (e.g. a provider id with dimension=provider) */
  @IsOptional() @IsString() @Length(1, 200) key?: string;
  @IsOptional() @IsString() @Length(1, 100) providerId?: string;
  @IsOptional() @IsString() @Length(1, 100) offeringId?: string;
  @IsOptional() @IsString() @Length(1, 100) category?: string;
  @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000) page?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) pageSize?: number;
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}
