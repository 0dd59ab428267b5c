// @vitest-environment happy-dom
/** The analytics page: net revenue bars per currency, totals, and the funnel with its rates. */
import { beforeEach, describe, expect, it } from 'vitest';
import AdminAnalyticsView from '../src/views/AdminAnalyticsView.vue';
import { funnelTotals, revenueBars } from '../src/lib/analytics';
import { FakeApi, flush } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

const revenue = [
  { period: '2031-03-01', currency: 'EUR', gross: 5000, refunded: 0, net: 5000, payments: 2, refunds: 0 },
  { period: '2031-03-02', currency: 'EUR', gross: 2500, refunded: 2500, net: 0, payments: 1, refunds: 1 },
  { period: '2031-03-02', currency: 'USD', gross: 1200, refunded: 0, net: 1200, payments: 1, refunds: 0 },
];
const funnel = [
  { period: '2031-03-01', placed: 6, paid: 3, completed: 1, cancelled: 1, expired: 2 },
  { period: '2031-03-02', placed: 2, paid: 1, completed: 1, cancelled: 0, expired: 1 },
];

let fake: FakeApi;
beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/live/bookings', new Response('', { status: 404 }));
  fake.on('GET', '/api/analytics/revenue', { items: revenue, total: 3 });
  fake.on('GET', '/api/analytics/funnel', { items: funnel, total: 2 });
});

describe('analytics helpers', () => {
  it('scales net revenue bars to the tallest, one currency at a time', () => {
    expect(revenueBars(revenue, 'EUR').map((b) => [b.label, b.share])).toEqual([
      ['2031-03-01', 1],
      ['2031-03-02', 0],
    ]);
    expect(revenueBars(revenue, 'USD')).toHaveLength(1);
  });
  it('adds the funnel up over the range, with rates of bookings placed', () => {
    expect(funnelTotals(funnel)).toEqual([
      { stage: 'placed', count: 8, rate: 1 },
      { stage: 'paid', count: 4, rate: 0.5 },
      { stage: 'completed', count: 2, rate: 0.25 },
    ]);
    expect(funnelTotals([])[1]!.rate).toBeNull();
  });
});

describe('AdminAnalyticsView', () => {
  it('shows revenue totals per currency, a chart, and the funnel, for an analyst', async () => {
    const pinia = await signedInAs(fake, 'analyst-ann', 'analyst');
    const { wrapper } = await mountApp(AdminAnalyticsView, { pinia, path: '/admin/analytics' });
    await flush(5);
    const asked = fake.called('GET', '/api/analytics/revenue')[0]!;
    expect(asked.query.get('groupBy')).toBe('day');
    expect(asked.query.get('from')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const totals = wrapper.findAll('[data-revenue-total]').map((r) => r.findAll('td').map((c) => c.text()));
    expect(totals).toEqual([
      ['EUR', '€75.00', '€25.00', '€50.00'],
      ['USD', '$12.00', '$0.00', '$12.00'],
    ]);
    expect(wrapper.findAll('[data-revenue-chart] rect')).toHaveLength(2);
    expect(wrapper.findAll('[data-funnel-stage]').map((s) => s.text())).toEqual([
      'Placed8 · 100.0 %',
      'Paid4 · 50.0 %',
      'Completed2 · 25.0 %',
    ]);
  });
});
