/** The weekly-hours editor's model and its mapping to the API's `weeklyRules`. */
import type { Schedule, TimeWindow, Weekday, WeeklyRule } from './types';

export const WEEKDAY_NAMES: Record<Weekday, string> = {
  1: 'Monday',
  2: 'Tuesday',
  3: 'Wednesday',
  4: 'Thursday',
  5: 'Friday',
  6: 'Saturday',
  7: 'Sunday',
};

export interface DayHours {
  weekday: Weekday;
  open: boolean;
  windows: TimeWindow[];
}

export type WeekHours = DayHours[];

const ALL_DAYS: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

export function defaultWeek(): WeekHours {
  return ALL_DAYS.map((weekday) => ({
    weekday,
    open: weekday <= 5,
    windows: [{ start: '09:00', end: '17:00' }],
  }));
}

export function weekFromRules(rules: readonly WeeklyRule[]): WeekHours {
  return ALL_DAYS.map((weekday) => {
    const rule = rules.find((r) => r.weekday === weekday);
    return rule && rule.windows.length > 0
      ? { weekday, open: true, windows: rule.windows.map((w) => ({ ...w })) }
      : { weekday, open: false, windows: [{ start: '09:00', end: '17:00' }] };
  });
}

/**
 * The rules to send, plus which weekday each rule index stands for, so the API's
 * `schedule.weeklyRules[2].windows[0].end` errors can be shown on the right day.
 */
export function rulesFromWeek(week: WeekHours): { rules: WeeklyRule[]; weekdayOfIndex: Weekday[] } {
  const rules: WeeklyRule[] = [];
  const weekdayOfIndex: Weekday[] = [];
  for (const day of week) {
    if (!day.open || day.windows.length === 0) continue;
    rules.push({ weekday: day.weekday, windows: day.windows.map((w) => ({ start: w.start, end: w.end })) });
    weekdayOfIndex.push(day.weekday);
  }
  return { rules, weekdayOfIndex };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Checks the editor before sending: each message keyed `weekday:windowIndex`. */
export function validateWeek(week: WeekHours): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const day of week) {
    if (!day.open) continue;
    const sorted = day.windows
      .map((w, i) => ({ ...w, i }))
      .filter((w) => HHMM.test(w.start) && (HHMM.test(w.end) || w.end === '24:00'))
      .sort((a, b) => a.start.localeCompare(b.start));
    day.windows.forEach((w, i) => {
      if (!HHMM.test(w.start)) errors[`${day.weekday}:${i}`] = 'Enter a start time';
      else if (!HHMM.test(w.end) && w.end !== '24:00') errors[`${day.weekday}:${i}`] = 'Enter an end time';
      else if (w.end <= w.start) errors[`${day.weekday}:${i}`] = 'The end must be after the start';
    });
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1]!;
      const cur = sorted[k]!;
      if (cur.start < prev.end) errors[`${day.weekday}:${cur.i}`] ??= 'Overlaps another window';
    }
  }
  if (!week.some((d) => d.open && d.windows.length > 0)) errors.week = 'Open at least one day';
  return errors;
}

/**
 * Maps an API field path under `schedule.weeklyRules[i].windows[j]` back to the editor's
 * `weekday:windowIndex` key; `null` for other fields.
 */
export function editorKeyForField(field: string, weekdayOfIndex: readonly Weekday[]): string | null {
  const m = /^schedule\.weeklyRules\[(\d+)\](?:\.windows\[(\d+)\])?/.exec(field);
  if (!m) return null;
  const weekday = weekdayOfIndex[Number(m[1])];
  if (!weekday) return null;
  return `${weekday}:${m[2] ?? 0}`;
}

export function defaultScheduleTerms(): Omit<Schedule, 'timeZone' | 'weeklyRules'> {
  return {
    overrides: [],
    closures: [],
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 60,
    maxHorizonDays: 60,
  };
}
