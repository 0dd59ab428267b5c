/**
 * Quick acceptances for class-validator constraints whose own check is slow. Each accepts
 * only values the constraint itself accepts — a subset of them, argued below and fuzzed
 * against the constraint in test/event-validation-differential.test.ts — and says nothing
 * about the rest, which go to the constraint.
 */

export type QuickAccept = (value: unknown, constraints: readonly unknown[]) => boolean;

/** `YYYY-MM-DDTHH:mm:ss[.fraction]Z`, what Date#toISOString writes, for years 1000-9999
 *  (validator.js's date check turns the year into a number, so it misreads years < 1000). */
const UTC_INSTANT =
  /^[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** the number written with the digits at s[from, to) */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * isISO8601 (validator.js; several µs a call: a long regex with back-references, then a
 * Date parse for `strict`). Every string of the form above matches its pattern (with a 'T',
 * so also under `strictSeparator`: 4-digit year, month 01-12, day 01-31, hour 00-23, ':'
 * minutes, the same ':' before seconds, a fraction, 'Z'), and with the day inside its
 * month the `strict` date check (new Date(YYYY-MM-DD) has that year, month and day) holds.
 */
function isUtcInstant(value: unknown): boolean {
  if (typeof value !== 'string' || !UTC_INSTANT.test(value)) return false;
  return digits(value, 8, 10) <= daysIn(digits(value, 0, 4), digits(value, 5, 7));
}

/** a surrogate or a variation selector (U+FE0E, U+FE0F): characters validator.js's
 *  isLength does not count one for one */
function hasUncounted(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfe0e || c === 0xfe0f) return true;
  }
  return false;
}

/**
 * Length(min, max) (validator.js isLength: two global regex matches, allocating). It counts
 * `str.length` minus one per surrogate pair and per character followed by U+FE0E/U+FE0F;
 * without those characters the count is `str.length`.
 */
function isLengthWithin(value: unknown, constraints: readonly unknown[]): boolean {
  const [min, max] = constraints;
  if (typeof value !== 'string' || typeof min !== 'number' || typeof max !== 'number') return false;
  return value.length >= min && value.length <= max && !hasUncounted(value);
}

/**
 * Matches(pattern) (validator.js: `!!str.match(pattern)`, allocating the match). For a
 * RegExp that is neither global nor sticky, `match` is one `exec`, as `test` is: same answer.
 */
function matchesPattern(value: unknown, constraints: readonly unknown[]): boolean {
  const pattern = constraints[0];
  return (
    typeof value === 'string' && pattern instanceof RegExp && !pattern.global && !pattern.sticky && pattern.test(value)
  );
}

/** by class-validator constraint name */
export const QUICK_ACCEPTS: ReadonlyMap<string, QuickAccept> = new Map([
  ['isIso8601', isUtcInstant],
  ['isLength', isLengthWithin],
  ['matches', matchesPattern],
]);
