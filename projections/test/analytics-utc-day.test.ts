import { describe, expect, it } from 'vitest';
import { utcDay } from '../src/analytics/analytics-projector.js';

/** what utcDay stood for before its shortcut: the UTC day of the instant, through Date */
const throughDate = (iso: string) => new Date(iso).toISOString().slice(0, 10);

describe('utcDay', () => {
  it('gives the UTC day Date gives, for recordedAt instants and for every other form', () => {
    const instants = [
      '2026-11-26T00:06:44.953Z',
      '2026-01-01T00:00:00.000Z',
      '2026-12-31T23:59:59.999Z',
      '2028-02-28T12:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
      '2026-04-30T23:00:00.000Z',
      // not as toISOString writes them: an offset, no milliseconds, hour 24
      '2026-11-26T00:30:00+01:00',
      '2026-11-26T23:30:00-02:00',
      '2026-11-26T10:00:00Z',
      '2026-11-26T24:00:00.000Z',
    ];
    for (const iso of instants) expect(utcDay(iso), iso).toBe(throughDate(iso));
  });

  it('refuses what is no date, as Date does', () => {
    for (const iso of ['2026-02-30T00:00:00.000Z', 'not a date', '2026-13-01T00:00:00.000Z']) {
      let expected: unknown;
      try {
        expected = throughDate(iso);
      } catch (err) {
        expected = err;
      }
      if (expected instanceof Error) expect(() => utcDay(iso), iso).toThrow(RangeError);
      else expect(utcDay(iso), iso).toBe(expected);
    }
  });
});
