// @vitest-environment happy-dom
/** My bookings: cancelling shows the refund the platform's policy gives before confirming. */
import { beforeEach, describe, expect, it } from 'vitest';
import MyBookingsView from '../src/views/MyBookingsView.vue';
import { FakeApi, flush } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

const booking = {
  id: 'b-1',
  customerId: 'customer-alice',
  providerId: 'provider-lumen-yoga',
  offeringId: 'o-1',
  offeringTitle: 'Morning Yin',
  kind: 'service',
  quantity: 1,
  slot: { start: '2031-03-02T09:00:00.000Z', end: '2031-03-02T10:00:00.000Z', timeZone: 'Europe/Paris' },
  total: { amount: 2500, currency: 'EUR' },
  status: 'CONFIRMED',
  holdExpiresAt: '2031-03-01T09:15:00.000Z',
  attribution: {},
  placedAt: '2031-03-01T09:00:00.000Z',
  updatedAt: '2031-03-01T09:01:00.000Z',
  timeline: [
    { status: 'PENDING', at: '2031-03-01T09:00:00.000Z' },
    { status: 'CONFIRMED', at: '2031-03-01T09:01:00.000Z' },
  ],
  payment: { status: 'SUCCEEDED', gateway: 'sandbox', amount: { amount: 2500, currency: 'EUR' }, refunded: 0 },
};

let fake: FakeApi;
beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/live/bookings', new Response('', { status: 404 }));
  fake.on('GET', '/api/me/bookings', { items: [booking], total: 1, page: 1, pageSize: 20 });
});

async function openCancel(quote: object) {
  fake.on('GET', '/api/bookings/b-1/cancellation-quote', quote);
  const pinia = await signedInAs(fake, 'customer-alice');
  const { wrapper } = await mountApp(MyBookingsView, { pinia, path: '/me/bookings' });
  await flush(5);
  const cancel = wrapper.findAll('button').find((b) => b.text() === 'Cancel booking');
  expect(cancel, 'a Cancel button').toBeTruthy();
  await cancel!.trigger('click');
  await flush(5);
  return wrapper;
}

describe('cancelling from My bookings', () => {
  it('shows the full refund and its deadline before the customer confirms', async () => {
    const wrapper = await openCancel({
      paid: { amount: 2500, currency: 'EUR' },
      refund: { amount: 2500, currency: 'EUR' },
      rule: 'full-before-notice-deadline',
      fullRefundUntil: '2031-03-01T09:00:00.000Z',
    });
    const text = wrapper.find('[data-cancel-quote]').text();
    expect(text).toMatch(/You will get €25\.00 back \(full refunds until .+\)\./);
    expect(fake.called('POST', '/api/bookings/b-1/cancel')).toHaveLength(0);
  });

  it('says plainly when the policy refunds nothing', async () => {
    const wrapper = await openCancel({
      paid: { amount: 2500, currency: 'EUR' },
      refund: { amount: 0, currency: 'EUR' },
      rule: 'none-after-notice-deadline',
      fullRefundUntil: '2031-03-01T09:00:00.000Z',
    });
    expect(wrapper.find('[data-cancel-quote]').text()).toContain('No refund: the €25.00 paid stays with the provider');
  });
});
