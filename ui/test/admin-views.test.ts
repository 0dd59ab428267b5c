// @vitest-environment happy-dom
/** Admin pages: users (roles, suspension), the audit slider, the system page, live rows in the bookings table. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import AdminAuditView from '../src/views/AdminAuditView.vue';
import AdminBookingsView from '../src/views/AdminBookingsView.vue';
import AdminSystemView from '../src/views/AdminSystemView.vue';
import AdminUsersView from '../src/views/AdminUsersView.vue';
import type { AdminUser, AuditEvent, Booking } from '../src/lib/types';
import { FakeApi, flush, json, problem } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

let fake: FakeApi;
beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/live/bookings', new Response('', { status: 404 }));
});

const bob: AdminUser = {
  id: 'customer-bob',
  email: 'bob@example.com',
  name: 'Bob Chen',
  roles: ['customer'],
  status: 'active',
  emailVerified: true,
  providerApplication: null,
  createdAt: '2030-01-01T00:00:00Z',
  lastLoginAt: null,
};

describe('AdminUsersView', () => {
  it('searches, grants a role, and refuses to suspend without a reason', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    fake.on('GET', '/api/admin/users', (r) =>
      json({
        items: r.query.get('q') === 'bob' ? [bob] : [bob, { ...bob, id: 'x', name: 'X' }],
        total: r.query.get('q') === 'bob' ? 1 : 2,
        page: 1,
        pageSize: 25,
      }),
    );
    fake.on('POST', '/api/admin/users/customer-bob/roles', { user: {}, revision: '4', position: '40' });
    fake.on('GET', '/api/admin/users/customer-bob', { ...bob, roles: ['customer', 'provider'] });
    fake.on('POST', '/api/admin/users/customer-bob/suspend', { user: {}, revision: '5', position: '41' });
    const { wrapper } = await mountApp(AdminUsersView, { pinia });
    await flush();
    expect(wrapper.findAll('[data-user-row]')).toHaveLength(2);

    await wrapper.find('[data-user-search]').setValue('bob');
    await wrapper.find('form[role="search"]').trigger('submit');
    await flush();
    expect(fake.called('GET', '/api/admin/users').at(-1)!.query.get('q')).toBe('bob');
    expect(wrapper.findAll('[data-user-row]')).toHaveLength(1);

    await wrapper.find('[data-manage]').trigger('click');
    expect(wrapper.find('[data-manage]').attributes('aria-expanded')).toBe('true');
    await wrapper.find('[data-grant-role]').setValue('provider');
    await wrapper.find('[data-grant]').trigger('click');
    await flush();
    expect(fake.called('POST', '/api/admin/users/customer-bob/roles')[0]!.body).toEqual({ role: 'provider' });
    // the row is read again after the write (with its position, read-your-writes)
    const reread = fake.called('GET', '/api/admin/users/customer-bob')[0]!;
    expect(reread.headers['x-min-position']).toBe('40');
    expect(wrapper.find('[data-role="provider"]').exists()).toBe(true);
    expect(wrapper.find('[data-user-flash]').text()).toContain('Provider role granted');

    await wrapper.find('form.row').trigger('submit');
    expect(wrapper.find('#suspend-reason-customer-bob-error').text()).toContain('Say why');
    expect(fake.called('POST', '/api/admin/users/customer-bob/suspend')).toHaveLength(0);
    await wrapper.find('#suspend-reason-customer-bob').setValue('chargeback fraud');
    await wrapper.find('form.row').trigger('submit');
    await flush();
    expect(fake.called('POST', '/api/admin/users/customer-bob/suspend')[0]!.body).toEqual({
      reason: 'chargeback fraud',
    });
  });
});

const ev = (revision: number, type: string, actor = { id: 'customer-alice', role: 'customer' }): AuditEvent => ({
  streamId: 'booking-bk-1',
  revision: String(revision),
  position: String(100 + revision),
  type,
  data: { bookingId: 'bk-1' },
  eventId: `e-${revision}`,
  correlationId: `corr-${revision}`,
  causationId: `cause-${revision}`,
  actor,
  schemaVersion: 1,
  recordedAt: '2030-01-01T10:00:00Z',
});

describe('AdminAuditView', () => {
  it('replays the state at each revision the slider points at, with what changed and who did it', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    fake.on('GET', '/api/admin/audit/bookings/bk-1/events', {
      streamId: 'booking-bk-1',
      revision: '2',
      events: [
        ev(0, 'BookingPlaced'),
        ev(1, 'PaymentRecorded', { id: 'system', role: 'system' }),
        ev(2, 'BookingConfirmed', { id: 'reactor-confirm', role: 'system' }),
      ],
    });
    const states: Record<string, unknown> = {
      '0': { status: 'PENDING', total: { amount: 100 } },
      '1': { status: 'PENDING', total: { amount: 100 }, paid: true },
      '2': { status: 'CONFIRMED', total: { amount: 100 }, paid: true },
    };
    fake.on('GET', '/api/admin/audit/bookings/bk-1/state', (r) =>
      json({
        streamId: 'booking-bk-1',
        revision: Number(r.query.get('revision')),
        state: states[r.query.get('revision')!],
      }),
    );
    fake.on('GET', '/api/admin/audit/bookings/bk-1/diff', (r) => {
      const to = r.query.get('to');
      const changes =
        to === '2'
          ? [{ path: 'status', before: 'PENDING', after: 'CONFIRMED' }]
          : to === '1'
            ? [{ path: 'paid', before: null, after: true }]
            : [
                { path: 'status', before: null, after: 'PENDING' },
                { path: 'total', before: null, after: { amount: 100 } },
              ];
      return json({ changes, events: [] });
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { wrapper } = await mountApp(AdminAuditView, { pinia, path: '/admin/audit?type=bookings&id=bk-1' });
      await vi.waitFor(() => expect(wrapper.find('[data-state-path="status"]').exists()).toBe(true));
      // opens at the newest revision
      expect(wrapper.find('[data-revision-label]').text()).toContain('Revision 2 of 2');
      expect(wrapper.find('[data-state-path="status"]').text()).toContain('CONFIRMED');
      expect(wrapper.find('[data-state-path="status"]').classes()).toContain('changed');
      expect(wrapper.find('[data-change="status"]').text()).toContain('PENDING');
      expect(wrapper.findAll('[data-actor]').map((a) => a.text())).toEqual([
        'customer-alice (customer)',
        'system (system)',
        'system (reactor-confirm)',
      ]);

      await wrapper.find('[data-revision-slider]').setValue('0');
      await vi.advanceTimersByTimeAsync(200);
      await vi.waitFor(() => expect(wrapper.find('[data-state-path="status"]').text()).toContain('PENDING'));
      expect(fake.called('GET', '/api/admin/audit/bookings/bk-1/diff').at(-1)!.query.toString()).toBe('from=-1&to=0');
      expect(wrapper.find('[data-state-path="paid"]').exists()).toBe(false);
      expect(wrapper.find('[data-event-revision="0"]').attributes('aria-current')).toBe('step');
      expect(wrapper.find('[data-event-revision="2"]').classes()).toContain('future');
    } finally {
      vi.useRealTimers();
    }
  });

  it('says in words when the id has no history', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    fake.on(
      'GET',
      '/api/admin/audit/payments/nope/events',
      problem(404, { detail: 'stream not found', code: 'not-found' }),
    );
    const { wrapper } = await mountApp(AdminAuditView, { pinia, path: '/admin/audit?type=payments&id=nope' });
    await flush();
    expect(wrapper.find('[role="alert"]').text()).toContain('No payment with this id has any history');
  });
});

describe('AdminSystemView', () => {
  it('says "not available" when the server has no system endpoint', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    fake.on('GET', '/api/admin/system', problem(404, { detail: 'no route' }));
    const { wrapper } = await mountApp(AdminSystemView, { pinia });
    await flush();
    expect(wrapper.find('[data-system-unavailable]').text()).toContain('Not available');
    wrapper.unmount();
  });

  it('renders whatever lag and backlog the server reports as tables', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    fake.on('GET', '/api/admin/system', {
      projections: [{ name: 'bookings', position: '1200', lag: 4 }],
      reactors: [{ name: 'receipts', position: '1190', backlog: 14 }],
    });
    const { wrapper } = await mountApp(AdminSystemView, { pinia });
    await flush();
    const sections = wrapper.findAll('[data-system-section]');
    expect(sections.map((s) => s.find('h2').text())).toEqual(['Projections', 'Reactors']);
    expect(sections[1]!.find('tbody tr').text()).toContain('receipts');
    expect(sections[1]!.find('td.warn').text()).toBe('14');
    wrapper.unmount();
  });
});

describe('AdminBookingsView live rows', () => {
  it('updates a row in place when its booking changes, and counts others', async () => {
    const pinia = await signedInAs(fake, 'admin-ada', 'admin');
    const b: Booking = {
      id: 'bk-7',
      customerId: 'customer-bob',
      providerId: 'provider-kiln-ceramics',
      offeringId: 'o',
      offeringTitle: 'Mug',
      kind: 'product',
      quantity: 1,
      slot: null,
      total: { amount: 1000, currency: 'EUR' },
      status: 'PENDING',
      holdExpiresAt: '2030-01-01T00:00:00Z',
      attribution: {},
      placedAt: '2030-01-01T00:00:00Z',
      updatedAt: '2030-01-01T00:00:00Z',
      timeline: [],
      payment: null,
    };
    fake.on('GET', '/api/admin/bookings', { items: [b], total: 1, page: 1, pageSize: 25 });
    let push: ((t: string) => void) | null = null;
    fake.on('GET', '/api/live/bookings', (req) => {
      expect(req.query.get('bookingId')).toBeNull();
      return new Response(
        new ReadableStream({
          start(c) {
            push = (t) => c.enqueue(new TextEncoder().encode(t));
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    });
    const { wrapper } = await mountApp(AdminBookingsView, { pinia });
    await flush(10);
    expect(wrapper.find('tr[data-booking-id="bk-7"]').attributes('data-status')).toBe('PENDING');
    push!(`event: booking\nid: 50\ndata: ${JSON.stringify({ ...b, status: 'EXPIRED' })}\n\n`);
    push!(`event: booking\nid: 51\ndata: ${JSON.stringify({ ...b, id: 'bk-other' })}\n\n`);
    await vi.waitFor(() =>
      expect(wrapper.find('tr[data-booking-id="bk-7"]').attributes('data-status')).toBe('EXPIRED'),
    );
    expect(wrapper.findAll('tbody tr')).toHaveLength(1);
    expect(wrapper.find('[data-unseen]').text()).toContain('1 more booking changed');
    wrapper.unmount();
  });
});
