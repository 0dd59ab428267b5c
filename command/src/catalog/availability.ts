/**
 * Availability engine: turns a `ServiceSchedule` (local wall-clock rules in an IANA zone) into
 * concrete bookable slots (UTC instants). Pure: no I/O, no clock — "now" is always a parameter.
 *
 * Which windows apply to a LOCAL date D (in `timeZone`):
 *   1. none if D lies inside a closure (`from <= D <= to`);
 *   2. otherwise the windows of the override for D, if there is one (`[]` = closed);
 *   3. otherwise the windows of the weekly rule for D's ISO weekday (none if there is no rule).
 *
 * Slots within a window:
 *   candidate starts are `windowStart + bufferBefore`, then every `slotInterval` minutes; a
 *   candidate is kept while `[start - bufferBefore, start + duration + bufferAfter]` fits inside
 *   the window. A kept slot must also start at or after `now + minimumNotice` and strictly before
 *   `now + maxHorizonDays * 24h`. Slot end = start + duration.
 *
 * DST rule (elapsed time):
 *   - Each window boundary is converted to ONE real instant with the zone's rules on that date:
 *     the FIRST instant at which the local clock reads that wall time; if the wall time does not
 *     exist that day (skipped by a spring-forward), the instant at which the clock jumps past it.
 *     `'24:00'` is the same conversion applied to 00:00 of the next local date.
 *   - Slots are then generated in ELAPSED time: from the window's start instant, step by the
 *     interval in real minutes, while the slot (with its buffers) ends at or before the window's
 *     end instant. Duration and buffers are real minutes too.
 *   Consequences:
 *   - spring-forward (Europe/Paris 2030-03-31, 02:00 -> 03:00): window 01:00-04:00 lasts 2 real
 *     hours; hourly slots are 01:00 and 03:00 local. A skipped wall time such as 02:30 never
 *     produces a slot and is never shifted to 03:30 (no moved or duplicated slot). A window
 *     boundary inside the gap is the jump itself: 02:30-05:00 that day runs 03:00-05:00 CEST,
 *     01:00-02:30 runs 01:00 CET-03:00 CEST (1 real hour).
 *   - fall-back (Europe/Paris 2030-10-27, 03:00 -> 02:00): window 01:00-04:00 lasts 4 real hours;
 *     hourly slots are 01:00 (+02:00), 02:00 (+02:00), 02:00 (+01:00), 03:00 (+01:00): the
 *     repeated hour yields two slots because they are two distinct real instants.
 *   - a window such as 09:00-17:00 that does not contain the transition keeps its wall-clock
 *     times: 09:00 local stays 09:00 local, its UTC instant moves by the offset change.
 *   - the conversion is monotonic in wall time, so windows that do not overlap in wall time never
 *     overlap in real time, consecutive dates never overlap either, and a UTC instant is never
 *     produced twice.
 */
import { IANAZone } from 'luxon';
import type { ServiceSchedule, Slot, TimeWindow } from './schedule.js';

export interface ScheduleFieldError {
  field: string;
  message: string;
}

/** Thrown by the slot functions when given a schedule that `validateSchedule` rejects. */
export class InvalidScheduleError extends Error {
  readonly errors: ScheduleFieldError[];
  constructor(errors: ScheduleFieldError[]) {
    super(`invalid schedule: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'InvalidScheduleError';
    this.errors = errors;
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;
export const MAX_HORIZON_DAYS = 730;

// ---------------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------------

const WALL_TIME = /^(\d{2}):(\d{2})$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'HH:mm' -> minutes since local midnight; '24:00' only when `allowEndOfDay`. */
function parseWallTime(value: unknown, allowEndOfDay: boolean): number | null {
  if (typeof value !== 'string') return null;
  const m = WALL_TIME.exec(value);
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0) return allowEndOfDay ? MINUTES_PER_DAY : null;
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** 'YYYY-MM-DD' (a real calendar date) -> days since 1970-01-01. */
function parseLocalDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = LOCAL_DATE.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return null;
  }
  return Math.round(d.getTime() / DAY);
}

/** `IANAZone.isValidZone` builds an Intl formatter each call; the answer never changes. */
const zoneValidity = new Map<string, boolean>();
function isValidTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (zoneValidity.size < 1000) zoneValidity.set(zone, valid);
  }
  return valid;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function validateWindows(windows: unknown, path: string, errors: ScheduleFieldError[]): void {
  if (!Array.isArray(windows)) {
    errors.push({ field: path, message: 'must be an array of time windows' });
    return;
  }
  const wellFormed: { index: number; start: number; end: number }[] = [];
  windows.forEach((w: unknown, index) => {
    const at = `${path}[${index}]`;
    if (!isRecord(w)) {
      errors.push({ field: at, message: 'must be an object with start and end' });
      return;
    }
    const start = parseWallTime(w.start, false);
    const end = parseWallTime(w.end, true);
    if (start === null) {
      errors.push({ field: `${at}.start`, message: "must be a local time 'HH:mm' from 00:00 to 23:59" });
    }
    if (end === null) {
      errors.push({ field: `${at}.end`, message: "must be a local time 'HH:mm' from 00:00 to 24:00" });
    }
    if (start === null || end === null) return;
    if (end <= start) {
      errors.push({ field: `${at}.end`, message: 'must be after start' });
      return;
    }
    wellFormed.push({ index, start, end });
  });
  wellFormed.sort((a, b) => a.start - b.start || a.index - b.index);
  let reach: { index: number; end: number } | undefined;
  for (const w of wellFormed) {
    if (reach && w.start < reach.end) {
      const [first, second] = w.index < reach.index ? [w.index, reach.index] : [reach.index, w.index];
      errors.push({ field: `${path}[${second}]`, message: `overlaps ${path}[${first}]` });
    }
    if (!reach || w.end > reach.end) reach = { index: w.index, end: w.end };
  }
}

/**
 * All problems of a schedule, each naming the offending field (e.g.
 * `weeklyRules[0].windows[1].end`); empty when the schedule is valid.
 */
export function validateSchedule(s: ServiceSchedule): ScheduleFieldError[] {
  const errors: ScheduleFieldError[] = [];
  if (!isRecord(s)) return [{ field: '', message: 'must be a schedule object' }];

  if (!isValidTimeZone(s.timeZone)) {
    errors.push({ field: 'timeZone', message: 'must be a valid IANA time zone, e.g. Europe/Paris' });
  }

  if (!Array.isArray(s.weeklyRules)) {
    errors.push({ field: 'weeklyRules', message: 'must be an array' });
  } else {
    const seen = new Map<number, number>();
    s.weeklyRules.forEach((rule: unknown, i) => {
      const at = `weeklyRules[${i}]`;
      if (!isRecord(rule)) {
        errors.push({ field: at, message: 'must be an object with weekday and windows' });
        return;
      }
      const weekday = rule.weekday;
      if (!isInteger(weekday) || weekday < 1 || weekday > 7) {
        errors.push({
          field: `${at}.weekday`,
          message: 'must be an ISO weekday from 1 (Monday) to 7 (Sunday)',
        });
      } else if (seen.has(weekday)) {
        errors.push({ field: `${at}.weekday`, message: `duplicates weeklyRules[${seen.get(weekday)}]` });
      } else {
        seen.set(weekday, i);
      }
      validateWindows(rule.windows, `${at}.windows`, errors);
    });
  }

  if (!Array.isArray(s.overrides)) {
    errors.push({ field: 'overrides', message: 'must be an array' });
  } else {
    const seen = new Map<number, number>();
    s.overrides.forEach((override: unknown, i) => {
      const at = `overrides[${i}]`;
      if (!isRecord(override)) {
        errors.push({ field: at, message: 'must be an object with date and windows' });
        return;
      }
      const date = parseLocalDate(override.date);
      if (date === null) {
        errors.push({ field: `${at}.date`, message: "must be a valid local date 'YYYY-MM-DD'" });
      } else if (seen.has(date)) {
        errors.push({ field: `${at}.date`, message: `duplicates overrides[${seen.get(date)}]` });
      } else {
        seen.set(date, i);
      }
      validateWindows(override.windows, `${at}.windows`, errors);
    });
  }

  if (!Array.isArray(s.closures)) {
    errors.push({ field: 'closures', message: 'must be an array' });
  } else {
    s.closures.forEach((closure: unknown, i) => {
      const at = `closures[${i}]`;
      if (!isRecord(closure)) {
        errors.push({ field: at, message: 'must be an object with from and to' });
        return;
      }
      const from = parseLocalDate(closure.from);
      const to = parseLocalDate(closure.to);
      if (from === null) errors.push({ field: `${at}.from`, message: "must be a valid local date 'YYYY-MM-DD'" });
      if (to === null) errors.push({ field: `${at}.to`, message: "must be a valid local date 'YYYY-MM-DD'" });
      if (from !== null && to !== null && from > to) {
        errors.push({ field: `${at}.to`, message: 'must be on or after from' });
      }
    });
  }

  for (const field of ['durationMinutes', 'slotIntervalMinutes'] as const) {
    const v = s[field];
    if (!isInteger(v) || v <= 0) errors.push({ field, message: 'must be a positive integer (minutes)' });
  }
  for (const field of ['bufferBeforeMinutes', 'bufferAfterMinutes', 'minimumNoticeMinutes'] as const) {
    const v = s[field];
    if (!isInteger(v) || v < 0) errors.push({ field, message: 'must be a non-negative integer (minutes)' });
  }
  const horizon = s.maxHorizonDays;
  if (!isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON_DAYS) {
    errors.push({ field: 'maxHorizonDays', message: `must be an integer from 1 to ${MAX_HORIZON_DAYS}` });
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// engine
// ---------------------------------------------------------------------------------------------

/** [startMinute, endMinute) since local midnight, sorted, non-overlapping. */
type MinuteWindow = readonly [number, number];

interface CompiledSchedule {
  zone: IANAZone;
  weekly: Map<number, MinuteWindow[]>;
  overrides: Map<number, MinuteWindow[]>;
  closures: (readonly [number, number])[];
  durationMs: number;
  intervalMs: number;
  bufferBeforeMs: number;
  bufferAfterMs: number;
  noticeMs: number;
  horizonMs: number;
}

function toMinuteWindows(windows: TimeWindow[]): MinuteWindow[] {
  return windows
    .map((w) => [parseWallTime(w.start, false)!, parseWallTime(w.end, true)!] as const)
    .sort((a, b) => a[0] - b[0]);
}

function compile(s: ServiceSchedule): CompiledSchedule {
  const errors = validateSchedule(s);
  if (errors.length > 0) throw new InvalidScheduleError(errors);
  return {
    zone: IANAZone.create(s.timeZone),
    weekly: new Map(s.weeklyRules.map((r) => [r.weekday, toMinuteWindows(r.windows)])),
    overrides: new Map(s.overrides.map((o) => [parseLocalDate(o.date)!, toMinuteWindows(o.windows)])),
    closures: s.closures.map((c) => [parseLocalDate(c.from)!, parseLocalDate(c.to)!] as const),
    durationMs: s.durationMinutes * MINUTE,
    intervalMs: s.slotIntervalMinutes * MINUTE,
    bufferBeforeMs: s.bufferBeforeMinutes * MINUTE,
    bufferAfterMs: s.bufferAfterMinutes * MINUTE,
    noticeMs: s.minimumNoticeMinutes * MINUTE,
    horizonMs: s.maxHorizonDays * DAY,
  };
}

/** ISO weekday (Monday = 1) of a day number (days since 1970-01-01, a Thursday). */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function windowsOn(c: CompiledSchedule, day: number): MinuteWindow[] {
  if (c.closures.some(([from, to]) => from <= day && day <= to)) return [];
  return c.overrides.get(day) ?? c.weekly.get(isoWeekday(day)) ?? [];
}

function offsetMs(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * MINUTE;
}

/** The local date (day number) of an instant in the zone. */
function localDay(zone: IANAZone, instant: number): number {
  return Math.floor((instant + offsetMs(zone, instant)) / DAY);
}

/**
 * The real instant of a local wall time, given as "wall milliseconds" (the wall time read as if
 * it were UTC): the FIRST instant at which the local clock reads it, or, if the clock skips it
 * (spring-forward gap), the instant at which the clock jumps past it. Monotonic in `wall`.
 */
function firstInstantAtWall(zone: IANAZone, wall: number): number {
  const offsets = new Set([offsetMs(zone, wall - DAY), offsetMs(zone, wall), offsetMs(zone, wall + DAY)]);
  let first = Infinity;
  for (const offset of offsets) {
    const instant = wall - offset;
    if (offsetMs(zone, instant) === offset && instant < first) first = instant;
  }
  if (first !== Infinity) return first;

  // Skipped wall time: binary-search the transition between the two candidate readings.
  const sorted = [...offsets].sort((a, b) => a - b);
  let before = wall - sorted[sorted.length - 1]!; // clock still reads earlier than `wall`
  let after = wall - sorted[0]!; // clock already reads later than `wall`
  while (after - before > 1) {
    const mid = Math.floor((before + after) / 2);
    if (mid + offsetMs(zone, mid) >= wall) after = mid;
    else before = mid;
  }
  return after;
}

/**
 * Slot starts in [lower, upper), ascending (see the DST rule at the top of this file).
 * Every slot of local date D lies in [firstInstantAtWall(D 00:00), firstInstantAtWall(D+1 00:00)),
 * and windows of one date are sorted and disjoint, so starts come out in order: the walk starts at
 * the local date of `lower` and stops at the first window or slot starting at or after `upper`, or
 * once D is surely past `upper` (UTC offsets are under a day: D 00:00 local > (D - 1) 00:00 UTC).
 */
function* slotStartsWithin(c: CompiledSchedule, lower: number, upper: number): Generator<number> {
  if (!(lower < upper)) return;
  for (let day = localDay(c.zone, lower); (day - 1) * DAY < upper; day++) {
    const midnight = day * DAY;
    for (const [startMinute, endMinute] of windowsOn(c, day)) {
      const windowStart = firstInstantAtWall(c.zone, midnight + startMinute * MINUTE);
      if (windowStart >= upper) return;
      const windowEnd = firstInstantAtWall(c.zone, midnight + endMinute * MINUTE);
      for (
        let start = windowStart + c.bufferBeforeMs;
        start + c.durationMs + c.bufferAfterMs <= windowEnd;
        start += c.intervalMs
      ) {
        if (start >= upper) return;
        if (start >= lower) yield start;
      }
    }
  }
}

function instantOf(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

function bookableRange(c: CompiledSchedule, now: number): [number, number] {
  return [now + c.noticeMs, now + c.horizonMs];
}

function toSlot(c: CompiledSchedule, start: number): Slot {
  return { start: new Date(start).toISOString(), end: new Date(start + c.durationMs).toISOString() };
}

/**
 * Every bookable slot starting in [fromUtc, toUtc), ascending, honouring minimum notice and the
 * horizon relative to `now`. Throws `InvalidScheduleError` for an invalid schedule.
 */
export function slotsBetween(s: ServiceSchedule, fromUtc: Date, toUtc: Date, now: Date): Slot[] {
  const c = compile(s);
  const [earliest, latest] = bookableRange(c, instantOf(now, 'now'));
  const lower = Math.max(instantOf(fromUtc, 'fromUtc'), earliest);
  const upper = Math.min(instantOf(toUtc, 'toUtc'), latest);
  return [...slotStartsWithin(c, lower, upper)].map((start) => toSlot(c, start));
}

/**
 * The slot starting exactly at `startUtc` if the schedule generates it and it is bookable at
 * `now`, else null. Only the local date(s) around that instant are computed.
 */
export function isBookableSlot(s: ServiceSchedule, startUtc: Date, now: Date): Slot | null {
  const c = compile(s);
  const start = instantOf(startUtc, 'startUtc');
  const [earliest, latest] = bookableRange(c, instantOf(now, 'now'));
  if (start < earliest || start >= latest) return null;
  for (const candidate of slotStartsWithin(c, start, start + 1)) {
    if (candidate === start) return toSlot(c, start);
  }
  return null;
}

/** The next `count` bookable slots after `now` (fewer if the horizon runs out), ascending. */
export function nextSlots(s: ServiceSchedule, now: Date, count: number): Slot[] {
  const c = compile(s);
  const [earliest, latest] = bookableRange(c, instantOf(now, 'now'));
  const slots: Slot[] = [];
  const wanted = Math.floor(count);
  if (!(wanted >= 1)) return slots;
  for (const start of slotStartsWithin(c, earliest, latest)) {
    slots.push(toSlot(c, start));
    if (slots.length >= wanted) break;
  }
  return slots;
}
