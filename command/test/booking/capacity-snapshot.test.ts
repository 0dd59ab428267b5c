import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createCommandRuntime,
  createLogger,
  executeCommand,
  loadState,
  systemClock,
  type CapacityEvent,
  type CommandContext,
  type SnapshotSettings,
} from '@booking/shared-kernel';
import { SqliteEventStore } from '@booking/shared-kernel/adapters';
import { capacityDecider, usedAt, type CapacityState } from '../../src/booking/capacity.js';
import { capacitySnapshot } from '../../src/booking/capacity-snapshot.js';
import { ReadCountingEventStore } from '../../../shared-kernel/test/support/read-counting-event-store.js';

const OFFERING = '01900000-0000-7000-8000-0000000000aa';
const booking = (n: number): string => `01900000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const NOW = Date.parse('2030-01-01T10:00:00.000Z');
const minutes = (m: number) => new Date(NOW + m * 60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capacity-snapshot-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Immutable maps compared by content, whatever their internal layout. */
const canonical = (s: CapacityState) => ({ ...s, holds: s.holds.toJS(), confirmed: s.confirmed.toJS() });
const roundTrip = (s: CapacityState): CapacityState =>
  capacitySnapshot.deserialise(JSON.parse(JSON.stringify(capacitySnapshot.serialise(s))));

function history(n: number): CapacityEvent[] {
  const events: CapacityEvent[] = [{ type: 'StockAdjusted', data: { offeringId: OFFERING, delta: 500, stock: 500 } }];
  for (let i = 1; i <= n; i++) {
    const bookingId = booking(i);
    const expiresAt = minutes((i % 31) - 15).toISOString();
    events.push({
      type: 'CapacityReserved',
      data: { offeringId: OFFERING, bookingId, quantity: 1 + (i % 3), holdExpiresAt: expiresAt },
    });
    if (i % 3 === 0) events.push({ type: 'CapacityConfirmed', data: { bookingId } });
    if (i % 7 === 0) events.push({ type: 'CapacityReleased', data: { bookingId, reason: 'cancelled', note: '' } });
  }
  return events;
}

describe('capacity snapshots', () => {
  it('a state survives serialise -> JSON -> deserialise: same content, same answers', () => {
    const state = history(400).reduce(capacityDecider.evolve, capacityDecider.initialState);
    const back = roundTrip(state);
    expect(canonical(back)).toEqual(canonical(state));
    for (const m of [-16, -15, 0, 7, 15, 16]) expect(usedAt(back, minutes(m))).toBe(usedAt(state, minutes(m)));
    expect(back.expiries.units).toBe(state.expiries.units);
    expect(canonical(roundTrip(capacityDecider.initialState))).toEqual(canonical(capacityDecider.initialState));
  });

  it('refuses what is not one of its snapshots', () => {
    const good = capacitySnapshot.serialise(history(5).reduce(capacityDecider.evolve, capacityDecider.initialState));
    const bad: unknown[] = [
      null,
      'text',
      { ...(good as object), stockTotal: '5' },
      { ...(good as object), confirmed: {} },
      { ...(good as object), holds: [['a', 1]] },
      { ...(good as object), holds: [[1, 1, 1]] },
      { ...(good as object), holds: [['a', 1, null]] },
      {
        ...(good as object),
        holds: [
          ['a', 1, 5],
          ['a', 2, 6],
        ],
      },
    ];
    for (const json of bad) expect(() => capacitySnapshot.deserialise(json), JSON.stringify(json)).toThrow(TypeError);
  });

  it('a cold load of a long inventory stream reads the snapshot plus the events after it', async () => {
    const file = path.join(dir, 'inventory.sqlite');
    const stream = `inventory-${OFFERING}`;
    const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'c', causationId: 'c' };
    const snapshotsOf = (store: SqliteEventStore): SnapshotSettings => ({
      store: store.snapshots(),
      every: 100,
      charsPerEvent: 1_000_000,
      logger: createLogger({ level: 'silent' }),
    });

    const writer = new SqliteEventStore({ path: file });
    const runtime = createCommandRuntime(writer, systemClock, 5, undefined, snapshotsOf(writer));
    await executeCommand(
      runtime,
      stream,
      capacityDecider,
      { type: 'SetStock', offeringId: OFFERING, stock: 10_000 },
      ctx,
    );
    for (let i = 1; i <= 150; i++) {
      const bookingId = booking(i);
      const now = new Date();
      const reserve = {
        type: 'ReserveCapacity' as const,
        offeringId: OFFERING,
        bookingId,
        quantity: 1,
        holdExpiresAt: new Date(now.getTime() + 15 * 60_000),
        now,
      };
      await executeCommand(runtime, stream, capacityDecider, reserve, ctx);
      if (i % 2 === 0)
        await executeCommand(runtime, stream, capacityDecider, { type: 'ConfirmCapacity', bookingId, now }, ctx);
    }
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    const head = (await writer.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]!.revision;
    const snapshot = await writer.snapshots().load(stream, capacitySnapshot.schema);
    await writer.close();
    expect(head).toBe(225n);
    expect(snapshot?.revision).toBe(199n);

    const reader = new SqliteEventStore({ path: file });
    try {
      const recording = new ReadCountingEventStore(reader);
      const cold = createCommandRuntime(recording, systemClock, 5, undefined, snapshotsOf(reader));
      const fromSnapshot = await loadState(cold, stream, capacityDecider);
      expect(recording.eventsRead).toBe(Number(head - snapshot!.revision));

      const { snapshot: _codec, ...withoutSnapshots } = capacityDecider;
      const full = await loadState(createCommandRuntime(reader, systemClock), stream, withoutSnapshots);
      expect(fromSnapshot.revision).toBe(full.revision);
      expect(canonical(fromSnapshot.state)).toEqual(canonical(full.state));
      expect(full.state.confirmedUnits).toBe(75);
      expect(full.state.holds.size).toBe(75);
    } finally {
      await reader.close();
    }
  });
});
