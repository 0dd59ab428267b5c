/**
 * The opening schedule of a bookable service: when it can start, in the service's own time zone.
 * Pure data; `availability.ts` turns it into concrete UTC slots and validates it.
 *
 * All wall times and dates are LOCAL to `timeZone`; all produced slots are UTC instants.
 */

/** 'HH:mm' local wall time; `end > start`; `'24:00'` is allowed as `end` (end of the local day). */
export interface TimeWindow {
  start: string;
  end: string;
}

/** Opening windows for one ISO weekday (Monday = 1 ... Sunday = 7). */
export interface WeeklyRule {
  weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  windows: TimeWindow[];
}

/** 'YYYY-MM-DD' local date whose windows replace the weekly rule of that day; `[]` = closed. */
export interface DateOverride {
  date: string;
  windows: TimeWindow[];
}

/** 'YYYY-MM-DD' local dates, both inclusive: closed days (wins over overrides and weekly rules). */
export interface Closure {
  from: string;
  to: string;
}

export interface ServiceSchedule {
  /** IANA zone, e.g. 'Europe/Paris' */
  timeZone: string;
  weeklyRules: WeeklyRule[];
  overrides: DateOverride[];
  closures: Closure[];
  /** length of one booking, in minutes */
  durationMinutes: number;
  /** distance between two consecutive candidate starts within a window, in minutes */
  slotIntervalMinutes: number;
  /** free time required before a slot, inside the window */
  bufferBeforeMinutes: number;
  /** free time required after a slot, inside the window */
  bufferAfterMinutes: number;
  /** a slot must start at least this many minutes after "now" */
  minimumNoticeMinutes: number;
  /** a slot must start less than this many days (x 24 h) after "now" */
  maxHorizonDays: number;
}

/** ISO-8601 UTC instants, e.g. '2030-03-31T07:00:00.000Z'; `end = start + durationMinutes`. */
export interface Slot {
  start: string;
  end: string;
}
