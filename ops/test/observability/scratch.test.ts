import { it } from 'vitest';
import { ManualClock } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, settle, startHarness } from '../../test-support/harness.js';
it('scratch', async () => {
  const h = await startHarness({ clock: new ManualClock(new Date()) });
  const created = await h.http.post('/api/offerings').set(h.auth('provider-lumen-yoga')).send({
    kind: 'service', title: 'Evening Yin', category: 'yoga', price: { amount: 2000, currency: 'EUR' }, seatsPerSlot: 1,
    schedule: alwaysOpenSchedule(), publish: true });
  const offeringId = created.body.offeringId;
  const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
  const slotStart = detail.body.slots[3].start;
  await settle(h);
  const before = (await h.http.get('/metrics')).text;
  const booked = await h.http.post('/api/bookings').set(h.auth('customer-alice')).send({ offeringId, slotStart });
  const sold = await h.http.post('/api/bookings').set(h.auth('customer-bob')).send({ offeringId, slotStart });
  const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
  await h.http.post(`/api/payments/${started.body.paymentId}/sandbox-confirm`).set(h.auth('customer-alice')).send({ cardNumber: '4242 4242 4242 4242' });
  await eventually(async () => (await h.http.get(`/api/bookings/${booked.body.bookingId}`).set(h.auth('customer-alice'))).body.status === 'CONFIRMED', 5000);
  await settle(h);
  const after = (await h.http.get('/metrics')).text;
  const sys = await h.http.get('/api/admin/system').set(h.auth('admin-ada'));
  console.log(sold.status, sold.body.type);
  console.log(after.split('\n').filter(l => !l.startsWith('#') && !/_bucket/.test(l) && /^booking_/.test(l)).join('\n'));
  console.log(JSON.stringify(sys.body, null, 1).slice(0, 3000), sys.status);
  await h.stop();
}, 60000);
