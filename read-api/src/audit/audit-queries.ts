import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ReplayQuery {
  /** the revision to replay up to (inclusive); the latest when omitted */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) revision?: number;
}

export class DiffQuery {
  @Type(() => Number) @IsInt() @Min(-1) from!: number;
  @Type(() => Number) @IsInt() @Min(0) to!: number;
}
