/**
 * Notification preferences (issue #7): `PUT /api/me/notification-preferences` records
 * NotificationPreferencesChanged on the user stream, the `notification_preferences` read
 * model feeds the contact lookup, an email opt-out stops the confirmation mail (recorded as
 * skipped) and an SMS opt-in with a phone records the SMS (not sent without TWILIO_*).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type NotificationSent } from '@booking/shared-kernel';
import { readOutbox } from '@booking/shared-kernel/adapters';
import { alwaysOpenSchedule, eventually, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from './helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('notification preferences', () => {
  let h: Harness;
  let offeringId: string;
  let slotStart: string;

  beforeEach(async () => {
    h = await startHarness({ clock: new ManualClock(new Date()) });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Evening Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slotStart = detail.body.slots[3].start;
  });
  afterEach(async () => h.stop());

  async function setPreferences(userId: string, body: Record<string, unknown>) {
    const res = await h.http.put('/api/me/notification-preferences').set(h.auth(userId)).send(body);
    expect(res.status).toBe(200);
    // the reactor reads the read model: wait until it holds the choice
    await eventually(() => h.platform.documentStore.collection('notification_preferences').get(userId));
    return res;
  }

  async function bookAndPay(customer: string) {
    const booked = await h.http.post('/api/bookings').set(h.auth(customer)).send({ offeringId, slotStart });
    expect(booked.status).toBe(201);
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth(customer));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth(customer))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    return booked.body.bookingId as string;
  }

  async function notifications(bookingId: string): Promise<NotificationSent[]> {
    return (await eventsOfType(h, 'NotificationSent'))
      .map((e) => e.data as NotificationSent)
      .filter((d) => d.bookingId === bookingId);
  }

  it('records the choice on the user stream and refuses a phone that is not E.164', async () => {
    const bad = await h.http
      .put('/api/me/notification-preferences')
      .set(h.auth('customer-alice'))
      .send({ email: true, sms: true, phone: '06 12 34 56 78' });
    expect(bad.status).toBe(400);
    const res = await setPreferences('customer-alice', { email: false, sms: true, phone: '+33612345678' });
    expect(res.body.notificationPreferences).toEqual({ email: false, sms: true, phone: '+33612345678' });
    // the same choice again appends nothing
    await h.http
      .put('/api/me/notification-preferences')
      .set(h.auth('customer-alice'))
      .send({ email: false, sms: true, phone: '+33612345678' });
    const changed = await eventsOfType(h, 'NotificationPreferencesChanged');
    expect(changed.map((e) => e.data)).toEqual([
      { userId: 'customer-alice', email: false, sms: true, phone: '+33612345678' },
    ]);
    expect(await h.platform.documentStore.collection('notification_preferences').get('customer-alice')).toMatchObject({
      optOut: ['email'],
      phone: '+33612345678',
    });
  });

  it('an email opt-out stops the confirmation mail: recorded as skipped, nothing in the outbox', async () => {
    await setPreferences('customer-alice', { email: false, sms: false });
    const bookingId = await bookAndPay('customer-alice');
    const sent = await eventually(async () => {
      const n = await notifications(bookingId);
      return n.some((d) => d.template === 'receipt') ? n : null;
    }, 8000);
    await settle(h);
    const confirmation = sent.find((d) => d.template === 'booking-confirmation' && d.channel === 'email');
    expect(confirmation).toMatchObject({ outcome: 'skipped', providerMessageId: 'not-sent' });
    expect((await notifications(bookingId)).filter((d) => d.channel === 'sms')).toEqual([]);
    expect(readOutbox(path.join(h.dataDir, 'outbox'), 'alice@example.com')).toEqual([]);
  });

  it('an SMS opt-in with a phone records the confirmation SMS to that phone, not sent without TWILIO_*', async () => {
    await setPreferences('customer-alice', { email: true, sms: true, phone: '+33612345678' });
    const bookingId = await bookAndPay('customer-alice');
    const sms = await eventually(async () => {
      const n = await notifications(bookingId);
      return n.find((d) => d.channel === 'sms') ?? null;
    }, 8000);
    expect(sms).toMatchObject({
      template: 'booking-confirmation',
      outcome: 'recorded',
      providerMessageId: 'not-sent',
    });
    expect(sms.recipientHash).toBe(sha('+33612345678'));
    // mail still goes out
    const mail = await eventually(
      async () =>
        readOutbox(path.join(h.dataDir, 'outbox'), 'alice@example.com').find(
          (m) => m.tags?.template === 'booking-confirmation',
        ) ?? null,
      8000,
    );
    expect(mail.subject).toBe('Booking confirmed: Evening Yin');
  });
});
