// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { formatDayLabel, groupSlotsByDay, localDayStartIso, nextDate, slotLabels, zonedParts } from '../src/lib/time';

const slot = (start: string, minutes = 60) => ({
  start,
  end: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
});
const days = (groups: { date: string; slots: { start: string }[] }[]) =>
  groups.map((g) => [g.date, g.slots.map((s) => s.start)]);

describe('zonedParts', () => {
  it('reads an instant as the zone’s wall date, time and ISO weekday', () => {
    expect(zonedParts('2030-03-10T06:30:00Z', 'America/New_York')).toEqual({
      date: '2030-03-10',
      time: '01:30',
      weekday: 7,
    });
    expect(zonedParts('2030-03-10T07:30:00Z', 'America/New_York')).toEqual({
      date: '2030-03-10',
      time: '03:30',
      weekday: 7,
    });
    expect(zonedParts('2030-03-11T03:30:00Z', 'America/New_York')).toEqual({
      date: '2030-03-10',
      time: '23:30',
      weekday: 7,
    });
    expect(zonedParts('2030-03-10T23:30:00Z', 'Asia/Tokyo')).toEqual({ date: '2030-03-11', time: '08:30', weekday: 1 });
    expect(zonedParts('2030-01-01T00:00:00Z', 'UTC').time).toBe('00:00');
  });
});

describe('groupSlotsByDay', () => {
  it('groups by the offering zone’s day across the spring-forward gap (New York, 10 March 2030)', () => {
    const slots = [
      slot('2030-03-11T04:30:00Z'), // 00:30 EDT, 11 March
      slot('2030-03-10T07:30:00Z'), // 03:30 EDT (02:00-03:00 does not exist that night)
      slot('2030-03-10T04:30:00Z'), // 23:30 EST, 9 March
      slot('2030-03-11T03:30:00Z'), // 23:30 EDT, still 10 March although UTC says the 11th
      slot('2030-03-10T06:30:00Z'), // 01:30 EST, 10 March
    ];
    expect(days(groupSlotsByDay(slots, 'America/New_York'))).toEqual([
      ['2030-03-09', ['2030-03-10T04:30:00Z']],
      ['2030-03-10', ['2030-03-10T06:30:00Z', '2030-03-10T07:30:00Z', '2030-03-11T03:30:00Z']],
      ['2030-03-11', ['2030-03-11T04:30:00Z']],
    ]);
    // the same instants fall on other days in UTC: grouping is by the offering's zone
    expect(days(groupSlotsByDay(slots, 'UTC')).map(([d]) => d)).toEqual(['2030-03-10', '2030-03-11']);
  });

  it('keeps the repeated hour of the fall-back night on one day (Paris, 27 October 2030)', () => {
    const slots = [
      slot('2030-10-27T00:30:00Z'), // 02:30 CEST
      slot('2030-10-27T01:30:00Z'), // 02:30 CET, the same wall time an hour later
      slot('2030-10-27T22:30:00Z'), // 23:30 CET, 27 October
      slot('2030-10-27T23:30:00Z'), // 00:30 CET, 28 October
      slot('2030-10-26T21:30:00Z'), // 23:30 CEST, 26 October
    ];
    const grouped = groupSlotsByDay(slots, 'Europe/Paris');
    expect(days(grouped)).toEqual([
      ['2030-10-26', ['2030-10-26T21:30:00Z']],
      ['2030-10-27', ['2030-10-27T00:30:00Z', '2030-10-27T01:30:00Z', '2030-10-27T22:30:00Z']],
      ['2030-10-28', ['2030-10-27T23:30:00Z']],
    ]);
    const [first, second] = grouped[1]!.slots;
    expect(zonedParts(first!.start, 'Europe/Paris').time).toBe('02:30');
    expect(zonedParts(second!.start, 'Europe/Paris').time).toBe('02:30');
  });

  it('returns no days for no slots and keeps extra slot fields', () => {
    expect(groupSlotsByDay([], 'Europe/Paris')).toEqual([]);
    const g = groupSlotsByDay([{ ...slot('2030-05-01T08:00:00Z'), seatsLeft: 3 }], 'Europe/Paris');
    expect(g[0]!.slots[0]!.seatsLeft).toBe(3);
  });
});

describe('slotLabels', () => {
  it('labels the offering’s time and the viewer’s, with the viewer’s date when it differs', () => {
    // 07:00 in Paris (CET) on the fall-back Sunday is 23:00 the day before in Los Angeles (PDT)
    const l = slotLabels(slot('2030-10-27T06:00:00Z'), 'Europe/Paris', 'America/Los_Angeles', 'en-GB');
    expect(l.sameZone).toBe(false);
    expect(l.local).toBe('07:00–08:00');
    expect(l.localZone).toMatch(/CET|GMT\+1/);
    expect(l.viewer).toBe('Sat 26 Oct 23:00–00:00');
    expect(l.viewerZone).toMatch(/PDT|GMT-7/);

    const sameDay = slotLabels(slot('2030-10-27T17:00:00Z'), 'Europe/Paris', 'America/Los_Angeles', 'en-GB');
    expect(sameDay.local).toBe('18:00–19:00');
    expect(sameDay.viewer).toBe('10:00–11:00');

    // a 12-hour locale names the day period once when both ends share it
    const us = slotLabels(slot('2030-10-27T06:00:00Z'), 'Europe/Paris', 'America/Los_Angeles', 'en-US');
    const norm = (text: string | null) => text?.replace(/\s/g, ' '); // Intl uses narrow no-break spaces
    expect(norm(us.local)).toBe('7:00–8:00 AM');
    expect(norm(us.viewer)).toBe('Sat, Oct 26 11:00 PM–12:00 AM');
    expect(norm(slotLabels(slot('2030-10-27T10:30:00Z', 90), 'Europe/Paris', 'Europe/Paris', 'en-US').local)).toBe(
      '11:30 AM–1:00 PM',
    );
  });

  it('shows one time when the viewer is in the offering’s zone (or an identical one)', () => {
    expect(slotLabels(slot('2030-10-27T06:00:00Z'), 'Europe/Paris', 'Europe/Paris').viewer).toBeNull();
    expect(slotLabels(slot('2030-06-01T06:00:00Z'), 'Europe/Paris', 'Europe/Berlin').sameZone).toBe(true);
  });
});

describe('calendar helpers', () => {
  it('steps calendar dates across month, year and DST boundaries', () => {
    expect(nextDate('2030-03-09')).toBe('2030-03-10');
    expect(nextDate('2030-02-28')).toBe('2030-03-01');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(nextDate('2030-12-31')).toBe('2031-01-01');
  });

  it('labels a zone-local date without shifting it', () => {
    expect(formatDayLabel('2030-03-10', 'en-GB')).toBe('Sunday 10 March');
  });

  it('turns a local day into the instant it starts', () => {
    const iso = localDayStartIso('2030-03-10');
    const d = new Date(iso);
    expect([d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2030, 3, 10, 0, 0]);
  });
});
