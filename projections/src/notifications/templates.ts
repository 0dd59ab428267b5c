/** Mail templates (HTML + text) and the .ics invitation for service bookings. */
import { formatMoney, type MoneyData, type SlotData } from '@booking/shared-kernel';

export type TemplateName = 'booking-confirmation' | 'receipt' | 'credit-note' | 'cancellation' | 'reminder';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(title: string, paragraphs: string[]): string {
  return `<!doctype html><html><body style="font-family:sans-serif"><h1>${esc(title)}</h1>${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}</body></html>`;
}

function mail(subject: string, greeting: string, paragraphs: string[]): RenderedMail {
  const all = [greeting, ...paragraphs];
  return { subject, text: `${all.join('\n\n')}\n`, html: layout(subject, all) };
}

const when = (slot: SlotData | null) => (slot ? ` on ${slot.start.slice(0, 16).replace('T', ' ')} UTC` : '');

export interface BookingFacts {
  name: string;
  bookingId: string;
  title: string;
  quantity: number;
  slot: SlotData | null;
  total: MoneyData;
  link: string;
}

export const templates = {
  'booking-confirmation': (f: BookingFacts): RenderedMail =>
    mail(`Booking confirmed: ${f.title}`, `Hello ${f.name},`, [
      `your booking of ${f.quantity} x ${f.title}${when(f.slot)} is confirmed.`,
      `Total paid: ${formatMoney(f.total)}. Booking reference: ${f.bookingId}.`,
      `Details: ${f.link}`,
    ]),
  receipt: (f: BookingFacts & { number: string }): RenderedMail =>
    mail(`Your receipt ${f.number}`, `Hello ${f.name},`, [
      `attached is receipt ${f.number} for ${f.title} (booking ${f.bookingId}), total ${formatMoney(f.total)}.`,
      `You can also download it from your booking: ${f.link}`,
    ]),
  'credit-note': (f: BookingFacts & { number: string; reason: string }): RenderedMail =>
    mail(`Refund issued: ${f.title}`, `Hello ${f.name},`, [
      `we refunded ${formatMoney(f.total)} for ${f.title} (booking ${f.bookingId}). Reason: ${f.reason}.`,
      `Credit note ${f.number} is attached.`,
    ]),
  cancellation: (f: BookingFacts & { reason: string }): RenderedMail =>
    mail(`Booking cancelled: ${f.title}`, `Hello ${f.name},`, [
      `your booking of ${f.title}${when(f.slot)} (reference ${f.bookingId}) was cancelled. Reason: ${f.reason}.`,
      `If you paid, any refund follows in a separate message.`,
    ]),
  reminder: (f: BookingFacts): RenderedMail =>
    mail(`Reminder: ${f.title}${when(f.slot)}`, `Hello ${f.name},`, [
      `this is a reminder of ${f.title}${when(f.slot)}.`,
      `Details: ${f.link}`,
    ]),
};

export function confirmationSms(f: BookingFacts): string {
  return `Booking confirmed: ${f.title}${when(f.slot)}. Ref ${f.bookingId.slice(0, 8)}`;
}

export function reminderSms(f: BookingFacts): string {
  return `Reminder: ${f.title}${when(f.slot)}. Ref ${f.bookingId.slice(0, 8)}`;
}

/** RFC 5545 text escaping and 75-octet line folding */
function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (Buffer.byteLength(rest) > 75) {
    let cut = 75;
    while (Buffer.byteLength(rest.slice(0, cut)) > 75) cut--;
    out.push(rest.slice(0, cut));
    rest = ` ${rest.slice(cut)}`;
  }
  out.push(rest);
  return out.join('\r\n');
}
const icsDate = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function bookingIcs(f: {
  bookingId: string;
  title: string;
  slot: SlotData;
  organizer: string;
  stampedAt: string;
  link: string;
}): string {
  return (
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Booking Platform//Bookings//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      `UID:booking-${f.bookingId}@booking.local`,
      `DTSTAMP:${icsDate(f.stampedAt)}`,
      `DTSTART:${icsDate(f.slot.start)}`,
      `DTEND:${icsDate(f.slot.end)}`,
      `SUMMARY:${icsText(f.title)}`,
      `DESCRIPTION:${icsText(`Booking ${f.bookingId} with ${f.organizer}. ${f.link}`)}`,
      'STATUS:CONFIRMED',
      'END:VEVENT',
      'END:VCALENDAR',
    ]
      .map(fold)
      .join('\r\n') + '\r\n'
  );
}
