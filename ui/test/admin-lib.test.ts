/** The audit page's state rows and the system page's generic tables. */
import { describe, expect, it } from 'vitest';
import { expandChanges, flattenState, isChanged } from '../src/lib/audit';
import { toSections } from '../src/lib/system-status';

describe('flattenState', () => {
  it('lists every leaf by dotted path, sorted, with empty containers kept', () => {
    expect(
      flattenState({ status: 'PENDING', total: { amount: 100, currency: 'EUR' }, tags: [], seats: [1, 2] }),
    ).toEqual([
      { path: 'seats.0', value: '1' },
      { path: 'seats.1', value: '2' },
      { path: 'status', value: 'PENDING' },
      { path: 'tags', value: '[]' },
      { path: 'total.amount', value: '100' },
      { path: 'total.currency', value: 'EUR' },
    ]);
  });

  it('lists an appearing object field by field, and only fields that differ', () => {
    expect(
      expandChanges([
        { path: 'placed', before: null, after: { total: { amount: 1800, currency: 'EUR' }, quantity: 1 } },
        { path: 'payment', before: { status: 'STARTED', amount: 5 }, after: { status: 'SUCCEEDED', amount: 5 } },
        { path: 'status', before: 'PENDING', after: 'CONFIRMED' },
      ]),
    ).toEqual([
      { path: 'placed.quantity', before: '—', after: '1' },
      { path: 'placed.total.amount', before: '—', after: '1800' },
      { path: 'placed.total.currency', before: '—', after: 'EUR' },
      { path: 'payment.status', before: 'STARTED', after: 'SUCCEEDED' },
      { path: 'status', before: 'PENDING', after: 'CONFIRMED' },
    ]);
  });

  it('marks rows under a changed path', () => {
    const changes = [{ path: 'payment', before: null, after: { status: 'SUCCEEDED' } }];
    expect(isChanged('payment.status', changes)).toBe(true);
    expect(isChanged('paymentMethod', changes)).toBe(false);
  });
});

describe('toSections', () => {
  it('turns lists and name maps into tables with name/position/lag/backlog first', () => {
    const sections = toSections({
      eventStoreHead: '1200',
      projections: [
        { lag: '3', name: 'bookings', position: '1197', lastError: null },
        { name: 'catalog', position: '1200', lag: '0' },
      ],
      reactors: { conversions: { backlog: 12, position: '1188' }, receipts: { backlog: 0, position: '1200' } },
    });
    expect(sections.map((s) => s.title)).toEqual(['Summary', 'Projections', 'Reactors']);
    expect(sections[0]!.rows).toEqual([{ name: 'Event store head', value: '1200' }]);
    expect(sections[1]!.columns).toEqual(['name', 'position', 'lag', 'lastError']);
    expect(sections[1]!.rows[0]).toEqual({ name: 'bookings', position: '1197', lag: '3', lastError: '—' });
    expect(sections[2]!.columns).toEqual(['name', 'position', 'backlog']);
    expect(sections[2]!.rows[0]).toEqual({ name: 'conversions', position: '1188', backlog: '12' });
  });

  it('renders a bare list, and nothing for shapes it cannot table', () => {
    expect(toSections([{ name: 'x', lag: 1 }])[0]!.rows).toEqual([{ name: 'x', lag: '1' }]);
    expect(toSections('ok')).toEqual([]);
    expect(toSections(null)).toEqual([]);
  });
});
