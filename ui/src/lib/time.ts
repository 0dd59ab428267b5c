/**
 * Dates and times in named IANA zones with nothing but Intl: slots are UTC instants, and a
 * service's days are the days of the offering's own zone (not the viewer's, not UTC).
 */

export function viewerTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** All zones the runtime knows, for pickers; a short fallback list on old runtimes. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [
    'UTC',
    'Europe/London',
    'Europe/Paris',
    'Europe/Berlin',
    'America/New_York',
    'America/Chicago',
    'America/Los_Angeles',
    'Asia/Tokyo',
    'Australia/Sydney',
  ];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    partFormatters.set(zone, f);
  }
  return f;
}

export interface ZonedParts {
  /** 'YYYY-MM-DD' in the zone */
  date: string;
  /** 'HH:mm' in the zone, 24-hour */
  time: string;
  /** ISO weekday, Monday = 1 ... Sunday = 7 */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function zonedParts(instant: string | Date, zone: string): ZonedParts {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  const parts: Record<string, string> = {};
  for (const p of partsFormatter(zone).formatToParts(d)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}

/** The zone's short name at that instant, e.g. "CET", "GMT+1", "EDT". */
export function zoneAbbreviation(instant: string | Date, zone: string, locale?: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? zone;
}

/** "Paris" for Europe/Paris, "New York" for America/New_York. */
export function zoneCity(zone: string): string {
  const last = zone.split('/').pop() ?? zone;
  return last.replace(/_/g, ' ');
}

/** 24-hour clocks read best as 07:00, 12-hour ones as 7:00 AM. */
function hourStyle(locale: string | undefined): 'numeric' | '2-digit' {
  const cycle = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h23' || cycle === 'h24' ? '2-digit' : 'numeric';
}

/** '07:00' or '7:00 AM' (the locale's own clock) of an instant in a zone. */
export function formatTime(instant: string | Date, zone: string, locale?: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(locale, { timeZone: zone, hour: hourStyle(locale), minute: '2-digit' }).format(d);
}

/**
 * "7:00–8:00 AM", "11:30 AM–1:00 PM", "23:00–00:00": a time range in a zone, without the
 * dates Intl's formatRange adds when the range crosses midnight.
 */
export function formatTimeRange(start: string | Date, end: string | Date, zone: string, locale?: string): string {
  const f = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: hourStyle(locale), minute: '2-digit' });
  const sp = f.formatToParts(typeof start === 'string' ? new Date(start) : start);
  const ep = f.formatToParts(typeof end === 'string' ? new Date(end) : end);
  const period = (parts: Intl.DateTimeFormatPart[]) => parts.find((p) => p.type === 'dayPeriod')?.value;
  const text = (parts: Intl.DateTimeFormatPart[], dropPeriod: boolean) =>
    parts
      .filter((p) => !(dropPeriod && p.type === 'dayPeriod'))
      .map((p) => p.value)
      .join('')
      .trim();
  const samePeriod = period(sp) !== undefined && period(sp) === period(ep);
  return `${text(sp, samePeriod)}–${text(ep, false)}`;
}

/** "Tue 10 Mar 2030, 09:00" in the zone. */
export function formatDateTime(instant: string | Date, zone: string, locale?: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(d);
}

/** "Mar 10, 7:55 AM" in the zone: for dense tables. */
export function formatCompactDateTime(instant: string | Date, zone: string, locale?: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    day: 'numeric',
    month: 'short',
    hour: hourStyle(locale),
    minute: '2-digit',
  }).format(d);
}

/** "Tue, Mar 10" in the zone. */
export function formatShortDate(instant: string | Date, zone: string, locale?: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(
    d,
  );
}

/** A 'YYYY-MM-DD' calendar date as "Tuesday 10 March" (zone-free: it is already a local date). */
export function formatDayLabel(date: string, locale?: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const utcNoon = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, 12));
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' }).format(
    utcNoon,
  );
}

export interface SlotLike {
  start: string;
  end: string;
}

export interface SlotDay<S extends SlotLike> {
  /** 'YYYY-MM-DD' in the grouping zone */
  date: string;
  slots: S[];
}

/**
 * Groups slots by the calendar day they start on in `zone` (the offering's zone), in time
 * order. On DST days the UTC offsets differ within a day; grouping by the zone's own date
 * keeps e.g. 01:30 EST and 03:30 EDT on the same New York day.
 */
export function groupSlotsByDay<S extends SlotLike>(slots: readonly S[], zone: string): SlotDay<S>[] {
  const sorted = [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const days: SlotDay<S>[] = [];
  for (const slot of sorted) {
    const { date } = zonedParts(slot.start, zone);
    const last = days[days.length - 1];
    if (last && last.date === date) last.slots.push(slot);
    else days.push({ date, slots: [slot] });
  }
  return days;
}

/**
 * How a slot reads in the offering's zone and in the viewer's: the viewer line names its
 * own date when it falls on another day than the offering's.
 */
export interface SlotLabels {
  local: string;
  localZone: string;
  viewer: string | null;
  viewerZone: string;
  sameZone: boolean;
}

export function slotLabels(slot: SlotLike, offeringZone: string, viewerZone: string, locale?: string): SlotLabels {
  const local = formatTimeRange(slot.start, slot.end, offeringZone, locale);
  const localZone = zoneAbbreviation(slot.start, offeringZone, locale);
  const sameOffset =
    zonedParts(slot.start, offeringZone).date === zonedParts(slot.start, viewerZone).date &&
    zonedParts(slot.start, offeringZone).time === zonedParts(slot.start, viewerZone).time;
  const sameZone = offeringZone === viewerZone || sameOffset;
  let viewer: string | null = null;
  if (!sameZone) {
    const startDay = zonedParts(slot.start, offeringZone).date;
    const viewerDay = zonedParts(slot.start, viewerZone).date;
    const time = formatTimeRange(slot.start, slot.end, viewerZone, locale);
    viewer = viewerDay === startDay ? time : `${formatShortDate(slot.start, viewerZone, locale)} ${time}`;
  }
  return { local, localZone, viewer, viewerZone: zoneAbbreviation(slot.start, viewerZone, locale), sameZone };
}

/** Start of the viewer's local calendar day `date` ('YYYY-MM-DD') as a UTC ISO instant. */
export function localDayStartIso(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).toISOString();
}

/** 'YYYY-MM-DD' of the viewer's local day `offsetDays` from `from`. */
export function localDateString(from: Date = new Date(), offsetDays = 0): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The 'YYYY-MM-DD' after `date`, as a pure calendar computation. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const next = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1));
  return next.toISOString().slice(0, 10);
}

export function relativeTimeFromNow(instant: string, now: number = Date.now(), locale?: string): string {
  const diff = Date.parse(instant) - now;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60_000) return rtf.format(Math.round(diff / 1000), 'second');
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  return rtf.format(Math.round(diff / 86_400_000), 'day');
}
