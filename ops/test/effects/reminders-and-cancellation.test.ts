/**
 * Reminder and cancellation mail (issue #7). With REMINDER_LEAD_MINUTES and a ManualClock:
 * nothing before slot start - lead, exactly one reminder mail once the clock passes it,
 * and still one after a restart on the same data folder. A cancelled booking's customer
 * gets the cancellation mail with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type NotificationSent } from '@booking/shared-kernel';
import { readOutbox } from '@booking/shared-kernel/adapters';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from './helpers.js';

const LEAD_MINUTES = 60;

describe('reminder and cancellation mail', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  const start = (clock: ManualClock, dataDir?: string) =>
    startHarness({
      clock,
      reminderCheckIntervalMs: 20,
      env: { REMINDER_LEAD_MINUTES: String(LEAD_MINUTES) },
      ...(dataDir ? { dataDir } : {}),
    });

  async function paidBooking(harness: Harness, slotIndex: number) {
    const created = await harness.http
      .post('/api/offerings')
      .set(harness.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Evening Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const offeringId = created.body.offeringId as string;
    const detail = await harness.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    const slotStart = detail.body.slots[slotIndex].start as string;
    const booked = await harness.http
      .post('/api/bookings')
      .set(harness.auth('customer-alice'))
      .send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const started = await harness.http
      .post(`/api/bookings/${booked.body.bookingId}/payment`)
      .set(harness.auth('customer-alice'));
    const paid = await harness.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(harness.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    return { bookingId: booked.body.bookingId as string, slotStart };
  }

  const mails = (dataDir: string, template: string) =>
    readOutbox(path.join(dataDir, 'outbox'), 'alice@example.com').filter((m) => m.tags?.template === template);

  async function reminders(harness: Harness, bookingId: string): Promise<NotificationSent[]> {
    return (await eventsOfType(harness, 'NotificationSent'))
      .map((e) => e.data as NotificationSent)
      .filter((d) => d.template === 'reminder' && d.bookingId === bookingId);
  }

  /** a few scheduler ticks at the current clock, then quiet */
  async function ticks(harness: Harness) {
    const before = harness.platform.reminders!.status();
    await new Promise((r) => setTimeout(r, 150));
    await settle(harness);
    expect(harness.platform.reminders!.status().lastError).toBe(before.lastError);
  }

  it('sends exactly one reminder once the clock passes slot start - lead, also after a restart', async () => {
    const clock = new ManualClock(new Date());
    h = await start(clock);
    const { bookingId, slotStart } = await paidBooking(h, 3);
    const dueAt = Date.parse(slotStart) - LEAD_MINUTES * 60_000;
    await eventually(async () => mails(h!.dataDir, 'booking-confirmation').length === 1, 8000);

    // just before the lead time: nothing
    clock.set(new Date(dueAt - 60_000));
    await ticks(h);
    expect(await reminders(h, bookingId)).toEqual([]);
    expect(mails(h.dataDir, 'reminder')).toEqual([]);

    // past it: one reminder mail
    clock.set(new Date(dueAt + 60_000));
    await eventually(async () => (await reminders(h!, bookingId)).length === 1, 8000);
    await ticks(h);
    expect(await reminders(h, bookingId)).toHaveLength(1);
    const [mail] = mails(h.dataDir, 'reminder');
    expect(mails(h.dataDir, 'reminder')).toHaveLength(1);
    expect(mail!.subject).toBe(`Reminder: Evening Yin on ${slotStart.slice(0, 16).replace('T', ' ')} UTC`);
    // no phone on file: no SMS
    expect((await reminders(h, bookingId)).map((d) => d.channel)).toEqual(['email']);

    // a restart on the same data folder, still inside the window: no second reminder
    const dataDir = h.dataDir;
    await h.platform.stop();
    clock.advance(5 * 60_000);
    h = await start(clock, dataDir);
    await ticks(h);
    await ticks(h);
    expect(await reminders(h, bookingId)).toHaveLength(1);
    expect(mails(dataDir, 'reminder')).toHaveLength(1);
    expect(fs.existsSync(dataDir)).toBe(true);
  });

  it('mails the customer when the booking is cancelled, with the reason', async () => {
    h = await start(new ManualClock(new Date()));
    const { bookingId } = await paidBooking(h, 3);
    const cancelled = await h.http
      .post(`/api/bookings/${bookingId}/cancel`)
      .set(h.auth('provider-lumen-yoga'))
      .send({ reason: 'teacher is ill' });
    expect(cancelled.status).toBe(200);
    const mail = await eventually(async () => mails(h!.dataDir, 'cancellation')[0] ?? null, 8000);
    expect(mail.subject).toBe('Booking cancelled: Evening Yin');
    expect(mail.text).toContain('was cancelled. Reason: teacher is ill.');
    expect(mail.text).toContain(bookingId);
    await settle(h);
    expect(mails(h.dataDir, 'cancellation')).toHaveLength(1);
    const recorded = (await eventsOfType(h, 'NotificationSent'))
      .map((e) => e.data as NotificationSent)
      .filter((d) => d.template === 'cancellation' && d.bookingId === bookingId);
    expect(recorded).toMatchObject([{ channel: 'email', outcome: 'sent' }]);
  });
});
