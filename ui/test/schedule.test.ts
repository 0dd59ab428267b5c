// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { defaultWeek, editorKeyForField, rulesFromWeek, validateWeek, weekFromRules } from '../src/lib/schedule';

describe('weekly hours editor model', () => {
  it('sends only open days, and remembers which weekday each rule index is', () => {
    const week = defaultWeek();
    week[0]!.open = false; // Monday closed
    week[5]!.open = true; // Saturday open
    week[5]!.windows = [{ start: '10:00', end: '13:00' }];
    const { rules, weekdayOfIndex } = rulesFromWeek(week);
    expect(rules.map((r) => r.weekday)).toEqual([2, 3, 4, 5, 6]);
    expect(weekdayOfIndex).toEqual([2, 3, 4, 5, 6]);
    expect(rules[4]).toEqual({ weekday: 6, windows: [{ start: '10:00', end: '13:00' }] });
  });

  it('maps the API’s schedule field paths back to the editor’s rows', () => {
    const weekdayOfIndex = [2, 4, 6] as const;
    expect(editorKeyForField('schedule.weeklyRules[1].windows[0].end', [...weekdayOfIndex])).toBe('4:0');
    expect(editorKeyForField('schedule.weeklyRules[2]', [...weekdayOfIndex])).toBe('6:0');
    expect(editorKeyForField('schedule.timeZone', [...weekdayOfIndex])).toBeNull();
    expect(editorKeyForField('schedule.weeklyRules[9].windows[0].end', [...weekdayOfIndex])).toBeNull();
  });

  it('checks windows before sending', () => {
    const week = defaultWeek();
    week[0]!.windows = [{ start: '12:00', end: '09:00' }];
    week[1]!.windows = [
      { start: '09:00', end: '12:00' },
      { start: '11:00', end: '14:00' },
    ];
    week[2]!.windows = [{ start: '', end: '12:00' }];
    expect(validateWeek(week)).toEqual({
      '1:0': 'The end must be after the start',
      '2:1': 'Overlaps another window',
      '3:0': 'Enter a start time',
    });
    expect(validateWeek(defaultWeek().map((d) => ({ ...d, open: false })))).toEqual({ week: 'Open at least one day' });
    expect(validateWeek(defaultWeek())).toEqual({});
  });

  it('reads existing rules back into seven rows', () => {
    const week = weekFromRules([{ weekday: 3, windows: [{ start: '17:00', end: '20:00' }] }]);
    expect(week).toHaveLength(7);
    expect(week.filter((d) => d.open).map((d) => d.weekday)).toEqual([3]);
    expect(week[2]!.windows).toEqual([{ start: '17:00', end: '20:00' }]);
  });
});
