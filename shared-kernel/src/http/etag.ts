import type { Request } from 'express';
import { ValidationError } from '../errors.js';

/** `ETag: W/"<revision>"`: the revision of the aggregate's stream. */
export function etagOf(revision: bigint): string {
  return `W/"${revision}"`;
}

/** The revision an `If-Match` header names, or undefined without one. */
export function ifMatchRevision(req: Request): bigint | undefined {
  const header = req.header('if-match');
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"(-?\d{1,19})"\s*$/.exec(header);
  if (!m) throw new ValidationError('If-Match must be an ETag such as W/"3"', 'If-Match');
  return BigInt(m[1]!);
}
