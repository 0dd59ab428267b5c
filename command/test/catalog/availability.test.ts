import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  InvalidScheduleError,
  isBookableSlot,
  nextSlots,
  slotsBetween,
  validateSchedule,
} from '../../src/catalog/availability.js';
import type { ServiceSchedule, TimeWindow, WeeklyRule } from '../../src/catalog/schedule.js';

// ----- helpers ---------------------------------------------------------------------------------

const ALL_WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const WORKDAYS = [1, 2, 3, 4, 5] as const;

function rules(weekdays: readonly WeeklyRule['weekday'][], ...windows: [string, string][]): WeeklyRule[] {
  return weekdays.map((weekday) => ({ weekday, windows: windows.map(([start, end]) => ({ start, end })) }));
}

function win(start: string, end: string): TimeWindow {
  return { start, end };
}

/** Paris, Monday-Friday 09:00-12:00, one-hour slots every hour, no buffers, no notice. */
function schedule(patch: Partial<ServiceSchedule> = {}): ServiceSchedule {
  return {
    timeZone: 'Europe/Paris',
    weeklyRules: rules(WORKDAYS, ['09:00', '12:00']),
    overrides: [],
    closures: [],
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    maxHorizonDays: 730,
    ...patch,
  };
}

/** Long before every range used below: notice and horizon never interfere unless a test says so. */
const EARLY = new Date('2030-01-01T00:00:00.000Z');

const utc = (iso: string) => new Date(iso);

/** The instant of a local wall time (only for unambiguous wall times). */
function at(zone: string, localIso: string): Date {
  return DateTime.fromISO(localIso, { zone }).toJSDate();
}

/** 'yyyy-MM-dd HH:mm ZZ' of a UTC ISO instant, in the zone. */
function local(zone: string, isoUtc: string): string {
  return DateTime.fromISO(isoUtc, { zone: 'utc' }).setZone(zone).toFormat('yyyy-MM-dd HH:mm ZZ');
}

function starts(slots: { start: string }[]): string[] {
  return slots.map((s) => s.start);
}

/** Slots of whole local days `firstDay`..`lastDay` (inclusive) in the schedule's zone. */
function slotsOfLocalDays(s: ServiceSchedule, firstDay: string, lastDay: string) {
  const from = DateTime.fromISO(firstDay, { zone: s.timeZone }).startOf('day').toJSDate();
  const to = DateTime.fromISO(lastDay, { zone: s.timeZone }).plus({ days: 1 }).startOf('day').toJSDate();
  return slotsBetween(s, from, to, EARLY);
}

function expectNoDuplicates(list: string[]) {
  expect(new Set(list).size).toBe(list.length);
}

function expectAscending(list: string[]) {
  const sorted = [...list].sort();
  expect(list).toEqual(sorted);
}

// ----- weekly rules ----------------------------------------------------------------------------

describe('weekly rules', () => {
  it('given Mon-Fri 09:00-12:00 hourly, when listing a week, then three slots on each weekday and none on the weekend', () => {
    // given
    const s = schedule();
    // when: Monday 2030-01-07 .. Sunday 2030-01-13 (Paris is UTC+1 in January)
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-13');
    // then
    expect(slots).toHaveLength(15);
    expect(slots.slice(0, 3)).toEqual([
      { start: '2030-01-07T08:00:00.000Z', end: '2030-01-07T09:00:00.000Z' },
      { start: '2030-01-07T09:00:00.000Z', end: '2030-01-07T10:00:00.000Z' },
      { start: '2030-01-07T10:00:00.000Z', end: '2030-01-07T11:00:00.000Z' },
    ]);
    const days = new Set(slots.map((x) => local('Europe/Paris', x.start).slice(0, 10)));
    expect([...days]).toEqual(['2030-01-07', '2030-01-08', '2030-01-09', '2030-01-10', '2030-01-11']);
    expect(starts(slots).at(-1)).toBe('2030-01-11T10:00:00.000Z');
  });

  it('given a rule for ISO weekday 7 only, when listing a week, then only the Sunday has slots', () => {
    const s = schedule({ weeklyRules: rules([7], ['10:00', '11:00']) });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-13');
    expect(starts(slots)).toEqual(['2030-01-13T09:00:00.000Z']);
  });

  it('given several windows and a window ending at 24:00, when listing one day, then each window yields its slots in order', () => {
    const s = schedule({
      weeklyRules: rules([1], ['22:00', '24:00'], ['09:00', '10:00'], ['14:00', '16:00']),
    });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-07');
    expect(slots.map((x) => local('Europe/Paris', x.start).slice(11, 16))).toEqual([
      '09:00',
      '14:00',
      '15:00',
      '22:00',
      '23:00',
    ]);
    expect(slots.at(-1)).toEqual({ start: '2030-01-07T22:00:00.000Z', end: '2030-01-07T23:00:00.000Z' });
  });

  it('given a range, when listing, then from is inclusive and to is exclusive', () => {
    const s = schedule();
    const slots = slotsBetween(s, utc('2030-01-07T09:00:00.000Z'), utc('2030-01-07T10:00:00.000Z'), EARLY);
    expect(starts(slots)).toEqual(['2030-01-07T09:00:00.000Z']);
    expect(slotsBetween(s, utc('2030-01-07T10:00:00.000Z'), utc('2030-01-07T09:00:00.000Z'), EARLY)).toEqual([]);
  });

  it('given a range starting in the middle of a local day, when listing, then slots of that day after the start are kept', () => {
    const s = schedule({ timeZone: 'America/New_York' });
    // 2030-01-07 09:30 New York = 14:30Z
    const slots = slotsBetween(s, utc('2030-01-07T14:30:00.000Z'), utc('2030-01-08T00:00:00.000Z'), EARLY);
    expect(starts(slots)).toEqual(['2030-01-07T15:00:00.000Z', '2030-01-07T16:00:00.000Z']);
  });
});

// ----- overrides and closures ------------------------------------------------------------------

describe('overrides', () => {
  it('given an override on a Wednesday, when listing the week, then that day uses only the override windows', () => {
    const s = schedule({ overrides: [{ date: '2030-01-09', windows: [win('14:00', '16:00')] }] });
    const slots = slotsOfLocalDays(s, '2030-01-08', '2030-01-10');
    expect(starts(slots)).toEqual([
      '2030-01-08T08:00:00.000Z',
      '2030-01-08T09:00:00.000Z',
      '2030-01-08T10:00:00.000Z',
      '2030-01-09T13:00:00.000Z',
      '2030-01-09T14:00:00.000Z',
      '2030-01-10T08:00:00.000Z',
      '2030-01-10T09:00:00.000Z',
      '2030-01-10T10:00:00.000Z',
    ]);
  });

  it('given an override with no windows, when listing, then the day is closed', () => {
    const s = schedule({ overrides: [{ date: '2030-01-09', windows: [] }] });
    const slots = slotsOfLocalDays(s, '2030-01-09', '2030-01-09');
    expect(slots).toEqual([]);
  });

  it('given an override on a Saturday without weekly rule, when listing, then the day opens', () => {
    const s = schedule({ overrides: [{ date: '2030-01-12', windows: [win('10:00', '12:00')] }] });
    const slots = slotsOfLocalDays(s, '2030-01-12', '2030-01-13');
    expect(starts(slots)).toEqual(['2030-01-12T09:00:00.000Z', '2030-01-12T10:00:00.000Z']);
  });
});

describe('closures', () => {
  it('given a closure Tuesday..Thursday, when listing the week, then only Monday and Friday have slots', () => {
    const s = schedule({ closures: [{ from: '2030-01-08', to: '2030-01-10' }] });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-13');
    const days = new Set(slots.map((x) => local('Europe/Paris', x.start).slice(0, 10)));
    expect([...days]).toEqual(['2030-01-07', '2030-01-11']);
  });

  it('given a one-day closure and an override on the same date, when listing, then the closure wins', () => {
    const s = schedule({
      closures: [{ from: '2030-01-09', to: '2030-01-09' }],
      overrides: [{ date: '2030-01-09', windows: [win('14:00', '16:00')] }],
    });
    expect(slotsOfLocalDays(s, '2030-01-09', '2030-01-09')).toEqual([]);
  });

  it('given a closure on a local date, when the local date differs from the UTC date, then the local date is closed', () => {
    // Tokyo 2030-01-08 09:00 is 2030-01-08T00:00Z; Tokyo 2030-01-08 is closed, the 07 and 09 are not.
    const s = schedule({
      timeZone: 'Asia/Tokyo',
      weeklyRules: rules(ALL_WEEKDAYS, ['00:00', '01:00']),
      closures: [{ from: '2030-01-08', to: '2030-01-08' }],
    });
    const slots = slotsBetween(s, utc('2030-01-06T00:00:00.000Z'), utc('2030-01-09T00:00:00.000Z'), EARLY);
    expect(starts(slots)).toEqual(['2030-01-06T15:00:00.000Z', '2030-01-08T15:00:00.000Z']);
  });
});

// ----- buffers and intervals -------------------------------------------------------------------

describe('buffers', () => {
  it('given 15 min buffers before and after, when listing, then buffers must fit in the window and are not part of the slot', () => {
    const s = schedule({ slotIntervalMinutes: 30, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-07');
    // candidates 09:15, 09:45, 10:15, 10:45 (10:45 + 60 + 15 = 12:00 fits), 11:15 does not fit
    expect(slots.map((x) => local('Europe/Paris', x.start).slice(11, 16))).toEqual([
      '09:15',
      '09:45',
      '10:15',
      '10:45',
    ]);
    expect(slots[0]).toEqual({ start: '2030-01-07T08:15:00.000Z', end: '2030-01-07T09:15:00.000Z' });
  });

  it('given buffers longer than the window allows, when listing, then the window yields nothing', () => {
    const s = schedule({ weeklyRules: rules([1], ['09:00', '10:00']), bufferAfterMinutes: 1 });
    expect(slotsOfLocalDays(s, '2030-01-07', '2030-01-07')).toEqual([]);
  });
});

describe('slot interval', () => {
  it('given an interval shorter than the duration, when listing, then slots overlap', () => {
    const s = schedule({ durationMinutes: 90, slotIntervalMinutes: 30 });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-07');
    expect(slots).toEqual([
      { start: '2030-01-07T08:00:00.000Z', end: '2030-01-07T09:30:00.000Z' },
      { start: '2030-01-07T08:30:00.000Z', end: '2030-01-07T10:00:00.000Z' },
      { start: '2030-01-07T09:00:00.000Z', end: '2030-01-07T10:30:00.000Z' },
      { start: '2030-01-07T09:30:00.000Z', end: '2030-01-07T11:00:00.000Z' },
    ]);
  });

  it('given an interval longer than the duration, when listing, then gaps are left between slots', () => {
    const s = schedule({ durationMinutes: 30, slotIntervalMinutes: 45 });
    const slots = slotsOfLocalDays(s, '2030-01-07', '2030-01-07');
    expect(slots.map((x) => local('Europe/Paris', x.start).slice(11, 16))).toEqual([
      '09:00',
      '09:45',
      '10:30',
      '11:15',
    ]);
  });
});

// ----- notice, horizon, nextSlots --------------------------------------------------------------

describe('minimum notice and horizon', () => {
  it('given a 60 min notice, when listing from now, then slots start at or after now + 60 min', () => {
    const s = schedule({ minimumNoticeMinutes: 60 });
    const day = [utc('2030-01-07T00:00:00.000Z'), utc('2030-01-08T00:00:00.000Z')] as const;
    // now = 09:30 Paris: the 10:00 slot is only 30 min away
    expect(starts(slotsBetween(s, ...day, utc('2030-01-07T08:30:00.000Z')))).toEqual(['2030-01-07T10:00:00.000Z']);
    // now = 09:00 Paris: the 10:00 slot is exactly 60 min away and is kept
    expect(starts(slotsBetween(s, ...day, utc('2030-01-07T08:00:00.000Z')))).toEqual([
      '2030-01-07T09:00:00.000Z',
      '2030-01-07T10:00:00.000Z',
    ]);
  });

  it('given a 1-day horizon, when listing far ahead, then slots start strictly before now + 1 day', () => {
    const s = schedule({ maxHorizonDays: 1 });
    const now = utc('2030-01-07T08:00:00.000Z'); // Monday 09:00 Paris
    const slots = slotsBetween(s, now, utc('2030-03-01T00:00:00.000Z'), now);
    // Tuesday 09:00 (2030-01-08T08:00Z) is exactly now + 24 h: excluded
    expect(starts(slots)).toEqual(['2030-01-07T08:00:00.000Z', '2030-01-07T09:00:00.000Z', '2030-01-07T10:00:00.000Z']);
  });

  it('given a range entirely in the past, when listing, then nothing is returned', () => {
    const s = schedule();
    const slots = slotsBetween(
      s,
      utc('2030-01-07T00:00:00.000Z'),
      utc('2030-01-12T00:00:00.000Z'),
      utc('2030-02-01T00:00:00.000Z'),
    );
    expect(slots).toEqual([]);
  });
});

describe('nextSlots', () => {
  it('given Friday afternoon, when asking the next 4 slots, then they skip the weekend', () => {
    const s = schedule({ minimumNoticeMinutes: 30 });
    const slots = nextSlots(s, utc('2030-01-11T13:00:00.000Z'), 4);
    expect(starts(slots)).toEqual([
      '2030-01-14T08:00:00.000Z',
      '2030-01-14T09:00:00.000Z',
      '2030-01-14T10:00:00.000Z',
      '2030-01-15T08:00:00.000Z',
    ]);
  });

  it('given a notice, when asking the next slots, then the first one respects it', () => {
    const s = schedule({ minimumNoticeMinutes: 90 });
    const slots = nextSlots(s, utc('2030-01-07T07:45:00.000Z'), 2); // 08:45 Paris, earliest 10:15
    expect(starts(slots)).toEqual(['2030-01-07T10:00:00.000Z', '2030-01-08T08:00:00.000Z']);
  });

  it('given a short horizon, when asking for many slots, then it returns only those within the horizon', () => {
    const s = schedule({ maxHorizonDays: 2 });
    const slots = nextSlots(s, utc('2030-01-07T00:00:00.000Z'), 100);
    expect(slots).toHaveLength(6);
    expect(nextSlots(s, utc('2030-01-07T00:00:00.000Z'), 0)).toEqual([]);
  });

  it('given a schedule with no open day, when asking, then it returns nothing (bounded by the horizon)', () => {
    const s = schedule({ weeklyRules: [] });
    expect(nextSlots(s, EARLY, 5)).toEqual([]);
  });
});

// ----- isBookableSlot --------------------------------------------------------------------------

describe('isBookableSlot', () => {
  const s = schedule({ closures: [{ from: '2030-01-09', to: '2030-01-09' }], minimumNoticeMinutes: 60 });

  it('given a generated slot, when checked, then it is returned with its end', () => {
    expect(isBookableSlot(s, utc('2030-01-07T09:00:00.000Z'), EARLY)).toEqual({
      start: '2030-01-07T09:00:00.000Z',
      end: '2030-01-07T10:00:00.000Z',
    });
  });

  it('given off-grid or out-of-window instants, when checked, then they are rejected', () => {
    expect(isBookableSlot(s, utc('2030-01-07T08:30:00.000Z'), EARLY)).toBeNull(); // 09:30 local
    expect(isBookableSlot(s, utc('2030-01-07T08:00:00.001Z'), EARLY)).toBeNull(); // 1 ms off
    expect(isBookableSlot(s, utc('2030-01-07T11:00:00.000Z'), EARLY)).toBeNull(); // 12:00 local, window end
    expect(isBookableSlot(s, utc('2030-01-07T07:00:00.000Z'), EARLY)).toBeNull(); // 08:00 local
  });

  it('given closed days, when checked, then they are rejected', () => {
    expect(isBookableSlot(s, utc('2030-01-09T08:00:00.000Z'), EARLY)).toBeNull(); // closure
    expect(isBookableSlot(s, utc('2030-01-12T08:00:00.000Z'), EARLY)).toBeNull(); // Saturday
  });

  it('given a slot inside the notice period or beyond the horizon, when checked, then it is rejected', () => {
    const now = utc('2030-01-07T08:30:00.000Z');
    expect(isBookableSlot(s, utc('2030-01-07T09:00:00.000Z'), now)).toBeNull(); // 30 min away
    expect(isBookableSlot(s, utc('2030-01-07T08:00:00.000Z'), now)).toBeNull(); // in the past
    expect(isBookableSlot(s, utc('2030-01-07T10:00:00.000Z'), now)).not.toBeNull();
    const shortHorizon = schedule({ maxHorizonDays: 7 });
    expect(isBookableSlot(shortHorizon, utc('2030-01-14T08:00:00.000Z'), utc('2030-01-07T08:00:00.000Z'))).toBeNull();
    expect(
      isBookableSlot(shortHorizon, utc('2030-01-14T08:00:00.000Z'), utc('2030-01-07T08:00:00.001Z')),
    ).not.toBeNull();
  });

  it('given any instant on a 15-minute grid over a week, when checked, then it is accepted exactly when slotsBetween lists it', () => {
    const busy = schedule({
      durationMinutes: 45,
      slotIntervalMinutes: 30,
      bufferBeforeMinutes: 15,
      weeklyRules: rules(ALL_WEEKDAYS, ['08:00', '12:00'], ['13:30', '18:00']),
      overrides: [{ date: '2030-03-29', windows: [win('10:00', '11:00')] }],
    });
    const from = utc('2030-03-27T00:00:00.000Z');
    const to = utc('2030-04-03T00:00:00.000Z');
    const listed = new Set(starts(slotsBetween(busy, from, to, EARLY)));
    for (let t = from.getTime(); t < to.getTime(); t += 15 * 60_000) {
      const iso = new Date(t).toISOString();
      expect(isBookableSlot(busy, new Date(t), EARLY)?.start ?? null, iso).toBe(listed.has(iso) ? iso : null);
    }
  });
});

// ----- validation ------------------------------------------------------------------------------

describe('validateSchedule', () => {
  const fields = (s: ServiceSchedule) => validateSchedule(s).map((e) => e.field);

  it('given a valid schedule, when validated, then there is no error', () => {
    expect(validateSchedule(schedule())).toEqual([]);
    expect(validateSchedule(schedule({ weeklyRules: rules([1], ['00:00', '12:00'], ['12:00', '24:00']) }))).toEqual([]);
  });

  it('given an unknown time zone, when validated, then timeZone is named', () => {
    expect(fields(schedule({ timeZone: 'Mars/Olympus_Mons' }))).toEqual(['timeZone']);
    expect(fields(schedule({ timeZone: '' }))).toEqual(['timeZone']);
  });

  it('given a window ending before it starts, when validated, then the window end is named', () => {
    const s = schedule({ weeklyRules: rules([1], ['08:00', '09:00'], ['11:00', '10:00']) });
    expect(validateSchedule(s)).toEqual([{ field: 'weeklyRules[0].windows[1].end', message: 'must be after start' }]);
    expect(fields(schedule({ weeklyRules: rules([1], ['10:00', '10:00']) }))).toEqual([
      'weeklyRules[0].windows[0].end',
    ]);
  });

  it('given malformed wall times, when validated, then each bad start or end is named', () => {
    const s = schedule({
      weeklyRules: rules([1], ['9:00', '10:00'], ['24:00', '24:00'], ['10:00', '12:60'], ['13:00', '24:01']),
    });
    expect(fields(s)).toEqual([
      'weeklyRules[0].windows[0].start',
      'weeklyRules[0].windows[1].start',
      'weeklyRules[0].windows[2].end',
      'weeklyRules[0].windows[3].end',
    ]);
  });

  it('given overlapping windows within a day, when validated, then the later window is named; touching windows are fine', () => {
    const s = schedule({
      weeklyRules: rules([1], ['09:00', '12:00'], ['11:00', '13:00'], ['13:00', '14:00']),
    });
    expect(validateSchedule(s)).toEqual([
      { field: 'weeklyRules[0].windows[1]', message: 'overlaps weeklyRules[0].windows[0]' },
    ]);
    const o = schedule({
      overrides: [{ date: '2030-01-09', windows: [win('14:00', '15:00'), win('08:00', '16:00')] }],
    });
    expect(fields(o)).toEqual(['overrides[0].windows[1]']);
  });

  it('given bad weekdays, when validated, then weeklyRules[i].weekday is named', () => {
    const s = schedule({
      weeklyRules: [
        { weekday: 1, windows: [] },
        { weekday: 0 as never, windows: [] },
        { weekday: 8 as never, windows: [] },
        { weekday: 1, windows: [] },
      ],
    });
    expect(fields(s)).toEqual(['weeklyRules[1].weekday', 'weeklyRules[2].weekday', 'weeklyRules[3].weekday']);
  });

  it('given bad dates, duplicate overrides and reversed closures, when validated, then each is named', () => {
    const s = schedule({
      overrides: [
        { date: '2030-02-30', windows: [] },
        { date: '2030-01-09', windows: [] },
        { date: '2030-01-09', windows: [] },
        { date: '09/01/2030', windows: [] },
      ],
      closures: [
        { from: '2030-05-02', to: '2030-05-01' },
        { from: '2030-13-01', to: '2030-12-31' },
        { from: '2030-05-01', to: '2030-05-01' },
      ],
    });
    expect(fields(s)).toEqual([
      'overrides[0].date',
      'overrides[2].date',
      'overrides[3].date',
      'closures[0].to',
      'closures[1].from',
    ]);
  });

  it('given bad numbers, when validated, then each numeric field is named', () => {
    const s = schedule({
      durationMinutes: 0,
      slotIntervalMinutes: 7.5,
      bufferBeforeMinutes: -1,
      bufferAfterMinutes: Number.NaN,
      minimumNoticeMinutes: -5,
      maxHorizonDays: 731,
    });
    expect(fields(s)).toEqual([
      'durationMinutes',
      'slotIntervalMinutes',
      'bufferBeforeMinutes',
      'bufferAfterMinutes',
      'minimumNoticeMinutes',
      'maxHorizonDays',
    ]);
    expect(fields(schedule({ maxHorizonDays: 0 }))).toEqual(['maxHorizonDays']);
    expect(fields(schedule({ maxHorizonDays: 730, bufferAfterMinutes: 0, minimumNoticeMinutes: 0 }))).toEqual([]);
  });

  it('given an invalid schedule, when computing slots, then an InvalidScheduleError carries the field errors', () => {
    const bad = schedule({ slotIntervalMinutes: 0 });
    expect(() => slotsBetween(bad, EARLY, utc('2030-01-08T00:00:00.000Z'), EARLY)).toThrow(InvalidScheduleError);
    try {
      nextSlots(bad, EARLY, 1);
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidScheduleError).errors.map((x) => x.field)).toEqual(['slotIntervalMinutes']);
    }
  });
});

// ----- daylight saving time --------------------------------------------------------------------

interface DstCase {
  zone: string;
  kind: 'spring-forward' | 'fall-back';
  day: string; // the local transition date (a Sunday)
  weekFrom: string; // Thursday before
  weekTo: string; // Wednesday after
  nineBefore: string; // UTC time of day of 09:00 local before the change
  nineAfter: string; // ... and after the change
  /** slots of an hourly 01:00-04:00 window on the transition day (elapsed-time rule) */
  earlyWindow: string[];
}

const DST_CASES: DstCase[] = [
  {
    zone: 'Europe/Paris',
    kind: 'spring-forward', // 02:00 CET -> 03:00 CEST at 01:00Z
    day: '2030-03-31',
    weekFrom: '2030-03-28',
    weekTo: '2030-04-03',
    nineBefore: 'T08:00:00.000Z',
    nineAfter: 'T07:00:00.000Z',
    earlyWindow: ['2030-03-31T00:00:00.000Z', '2030-03-31T01:00:00.000Z'],
  },
  {
    zone: 'Europe/Paris',
    kind: 'fall-back', // 03:00 CEST -> 02:00 CET at 01:00Z
    day: '2030-10-27',
    weekFrom: '2030-10-24',
    weekTo: '2030-10-30',
    nineBefore: 'T07:00:00.000Z',
    nineAfter: 'T08:00:00.000Z',
    earlyWindow: [
      '2030-10-26T23:00:00.000Z',
      '2030-10-27T00:00:00.000Z',
      '2030-10-27T01:00:00.000Z',
      '2030-10-27T02:00:00.000Z',
    ],
  },
  {
    zone: 'America/New_York',
    kind: 'spring-forward', // 02:00 EST -> 03:00 EDT at 07:00Z
    day: '2030-03-10',
    weekFrom: '2030-03-07',
    weekTo: '2030-03-13',
    nineBefore: 'T14:00:00.000Z',
    nineAfter: 'T13:00:00.000Z',
    earlyWindow: ['2030-03-10T06:00:00.000Z', '2030-03-10T07:00:00.000Z'],
  },
  {
    zone: 'America/New_York',
    kind: 'fall-back', // 02:00 EDT -> 01:00 EST at 06:00Z
    day: '2030-11-03',
    weekFrom: '2030-10-31',
    weekTo: '2030-11-06',
    nineBefore: 'T13:00:00.000Z',
    nineAfter: 'T14:00:00.000Z',
    earlyWindow: [
      '2030-11-03T05:00:00.000Z',
      '2030-11-03T06:00:00.000Z',
      '2030-11-03T07:00:00.000Z',
      '2030-11-03T08:00:00.000Z',
    ],
  },
];

function localDates(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = DateTime.fromISO(from, { zone: 'utc' }); d.toISODate()! <= to; d = d.plus({ days: 1 }))
    out.push(d.toISODate()!);
  return out;
}

describe.each(DST_CASES)('DST: $zone $kind on $day', (c) => {
  it('given a daily 09:00 slot, when listing the week around the change, then every day has exactly one slot at 09:00 local and the UTC instant shifts by one hour', () => {
    // given
    const s = schedule({ timeZone: c.zone, weeklyRules: rules(ALL_WEEKDAYS, ['09:00', '10:00']) });
    // when
    const slots = slotsOfLocalDays(s, c.weekFrom, c.weekTo);
    // then
    const dates = localDates(c.weekFrom, c.weekTo);
    expect(dates).toHaveLength(7);
    expect(starts(slots)).toEqual(dates.map((d) => `${d}${d < c.day ? c.nineBefore : c.nineAfter}`));
    expect(slots.map((x) => local(c.zone, x.start).slice(0, 16))).toEqual(dates.map((d) => `${d} 09:00`));
    for (const slot of slots) {
      expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(60 * 60_000);
      expect(isBookableSlot(s, utc(slot.start), EARLY)).toEqual(slot);
    }
  });

  it('given an hourly 01:00-04:00 window on the transition day, when listing, then slots follow elapsed time with no duplicated instant', () => {
    // given
    const s = schedule({ timeZone: c.zone, weeklyRules: rules([7], ['01:00', '04:00']) });
    // when
    const slots = slotsOfLocalDays(s, c.day, c.day);
    // then: spring-forward = 2 real hours, fall-back = 4 real hours
    expect(starts(slots)).toEqual(c.earlyWindow);
    expectNoDuplicates(starts(slots));
    for (const slot of slots) expect(isBookableSlot(s, utc(slot.start), EARLY)).toEqual(slot);
    // and the same window on the Sunday before has exactly 3 slots
    const weekBefore = DateTime.fromISO(c.day).minus({ days: 7 }).toISODate()!;
    expect(slotsOfLocalDays(s, weekBefore, weekBefore)).toHaveLength(3);
  });

  it('given a whole-day window every 30 min, when listing the week, then instants are unique, ascending and exactly 30 real minutes apart', () => {
    const s = schedule({
      timeZone: c.zone,
      weeklyRules: rules(ALL_WEEKDAYS, ['00:00', '24:00']),
      durationMinutes: 30,
      slotIntervalMinutes: 30,
    });
    const list = starts(slotsOfLocalDays(s, c.weekFrom, c.weekTo));
    expectNoDuplicates(list);
    expectAscending(list);
    for (let i = 1; i < list.length; i++) expect(Date.parse(list[i]!) - Date.parse(list[i - 1]!)).toBe(30 * 60_000);
    // 7 days of 48 half-hours, minus or plus the two half-hours of the changed hour
    expect(list).toHaveLength(7 * 48 + (c.kind === 'spring-forward' ? -2 : 2));
    const onDay = list.filter((x) => local(c.zone, x).startsWith(c.day));
    expect(onDay).toHaveLength(c.kind === 'spring-forward' ? 46 : 50);
  });
});

describe('DST: skipped and repeated wall times (Europe/Paris)', () => {
  const paris = (patch: Partial<ServiceSchedule>) => schedule({ timeZone: 'Europe/Paris', ...patch });

  it('given a 02:00-04:00 half-hourly window on the spring-forward day, when listing, then the skipped 02:00 and 02:30 produce nothing and 03:00/03:30 appear once', () => {
    const s = paris({
      weeklyRules: rules([7], ['02:00', '04:00']),
      durationMinutes: 30,
      slotIntervalMinutes: 30,
    });
    const slots = slotsOfLocalDays(s, '2030-03-31', '2030-03-31');
    expect(starts(slots)).toEqual(['2030-03-31T01:00:00.000Z', '2030-03-31T01:30:00.000Z']);
    expect(slots.map((x) => local('Europe/Paris', x.start))).toEqual([
      '2030-03-31 03:00 +02:00',
      '2030-03-31 03:30 +02:00',
    ]);
  });

  it('given a 02:30-03:30 window for a one-hour slot, when listing the spring-forward day, then 02:30 is not shifted to 03:30: no slot', () => {
    const s = paris({ weeklyRules: rules([7], ['02:30', '03:30']) });
    expect(slotsOfLocalDays(s, '2030-03-31', '2030-03-31')).toEqual([]);
    expect(starts(slotsOfLocalDays(s, '2030-03-24', '2030-03-24'))).toEqual(['2030-03-24T01:30:00.000Z']);
    expect(isBookableSlot(s, utc('2030-03-31T01:30:00.000Z'), EARLY)).toBeNull(); // 03:30 CEST
    expect(isBookableSlot(s, at('Europe/Paris', '2030-03-31T02:30'), EARLY)).toBeNull(); // luxon shifts it to 03:30
  });

  it('given a window ending at a skipped time, when listing the spring-forward day, then it closes when the clock jumps (no 03:00 slot)', () => {
    const s = paris({
      weeklyRules: rules([7], ['01:00', '02:30']),
      durationMinutes: 30,
      slotIntervalMinutes: 30,
    });
    expect(
      slotsOfLocalDays(s, '2030-03-31', '2030-03-31').map((x) => local('Europe/Paris', x.start).slice(11)),
    ).toEqual(['01:00 +01:00', '01:30 +01:00']);
  });

  it('given a window starting at a skipped time, when listing the spring-forward day, then it opens when the clock jumps past it', () => {
    // 02:30-05:00 lasts from 03:00 CEST (the jump) to 05:00 CEST: two real hours
    const s = paris({ weeklyRules: rules([7], ['02:30', '05:00']) });
    expect(
      slotsOfLocalDays(s, '2030-03-31', '2030-03-31').map((x) => local('Europe/Paris', x.start).slice(11)),
    ).toEqual(['03:00 +02:00', '04:00 +02:00']);
    expect(starts(slotsOfLocalDays(s, '2030-04-07', '2030-04-07'))).toEqual([
      '2030-04-07T00:30:00.000Z',
      '2030-04-07T01:30:00.000Z',
    ]);
  });

  it('given a 01:00-04:00 half-hourly window, when listing the spring-forward day, then steps are real minutes across the gap', () => {
    const s = paris({
      weeklyRules: rules([7], ['01:00', '04:00']),
      durationMinutes: 30,
      slotIntervalMinutes: 30,
    });
    const slots = slotsOfLocalDays(s, '2030-03-31', '2030-03-31');
    expect(slots.map((x) => local('Europe/Paris', x.start).slice(11, 16))).toEqual([
      '01:00',
      '01:30',
      '03:00',
      '03:30',
    ]);
  });

  it('given the repeated hour on the fall-back day, when checking both 02:30, then both real instants are bookable', () => {
    const s = paris({
      weeklyRules: rules([7], ['01:00', '04:00']),
      durationMinutes: 30,
      slotIntervalMinutes: 30,
    });
    const slots = slotsOfLocalDays(s, '2030-10-27', '2030-10-27');
    expect(slots.map((x) => local('Europe/Paris', x.start).slice(11))).toEqual([
      '01:00 +02:00',
      '01:30 +02:00',
      '02:00 +02:00',
      '02:30 +02:00',
      '02:00 +01:00',
      '02:30 +01:00',
      '03:00 +01:00',
      '03:30 +01:00',
    ]);
    expect(isBookableSlot(s, utc('2030-10-27T00:30:00.000Z'), EARLY)?.start).toBe('2030-10-27T00:30:00.000Z');
    expect(isBookableSlot(s, utc('2030-10-27T01:30:00.000Z'), EARLY)?.start).toBe('2030-10-27T01:30:00.000Z');
  });

  it('given a window that starts in the repeated hour, when listing the fall-back day, then it opens at the first occurrence', () => {
    const s = paris({ weeklyRules: rules([7], ['02:30', '03:30']) });
    // 02:30 CEST (00:30Z) to 03:30 CET (02:30Z): two real hours
    expect(starts(slotsOfLocalDays(s, '2030-10-27', '2030-10-27'))).toEqual([
      '2030-10-27T00:30:00.000Z',
      '2030-10-27T01:30:00.000Z',
    ]);
  });

  it('given nextSlots across the spring-forward night, when asking, then 09:00 local is kept on both sides', () => {
    const s = paris({ weeklyRules: rules(ALL_WEEKDAYS, ['09:00', '10:00']) });
    expect(starts(nextSlots(s, utc('2030-03-30T12:00:00.000Z'), 3))).toEqual([
      '2030-03-31T07:00:00.000Z',
      '2030-04-01T07:00:00.000Z',
      '2030-04-02T07:00:00.000Z',
    ]);
    expect(starts(nextSlots(s, utc('2030-03-29T12:00:00.000Z'), 2))).toEqual([
      '2030-03-30T08:00:00.000Z',
      '2030-03-31T07:00:00.000Z',
    ]);
  });
});

describe('no DST: Asia/Tokyo', () => {
  it('given daily 09:00 slots, when listing the European and American DST weeks, then 09:00 JST is always 00:00Z', () => {
    const s = schedule({ timeZone: 'Asia/Tokyo', weeklyRules: rules(ALL_WEEKDAYS, ['09:00', '10:00']) });
    for (const [from, to] of [
      ['2030-03-07', '2030-03-13'],
      ['2030-03-28', '2030-04-03'],
      ['2030-10-24', '2030-10-30'],
      ['2030-10-31', '2030-11-06'],
    ] as const) {
      const slots = slotsOfLocalDays(s, from, to);
      expect(starts(slots)).toEqual(localDates(from, to).map((d) => `${d}T00:00:00.000Z`));
    }
  });

  it('given a 01:00-04:00 window on 2030-03-31, when listing, then it has 3 hourly slots', () => {
    const s = schedule({ timeZone: 'Asia/Tokyo', weeklyRules: rules([7], ['01:00', '04:00']) });
    expect(starts(slotsOfLocalDays(s, '2030-03-31', '2030-03-31'))).toEqual([
      '2030-03-30T16:00:00.000Z',
      '2030-03-30T17:00:00.000Z',
      '2030-03-30T18:00:00.000Z',
    ]);
  });

  it('given a whole year of daily slots, when listing, then there is one slot per day', () => {
    const s = schedule({ timeZone: 'Asia/Tokyo', weeklyRules: rules(ALL_WEEKDAYS, ['09:00', '10:00']) });
    const slots = slotsBetween(s, utc('2030-01-01T00:00:00.000Z'), utc('2031-01-01T00:00:00.000Z'), EARLY);
    expect(slots).toHaveLength(365);
    expect(slots.every((x) => x.start.endsWith('T00:00:00.000Z'))).toBe(true);
  });
});
