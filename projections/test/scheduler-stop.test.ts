/**
 * A scheduler's stop does not wait for the read of its due items (a read may wait for a
 * while, e.g. for its index to be filled the first time: seconds at 1M events), and a tick stopped
 * during that read acts on none of what it read; a read that fails because the stop went
 * on to close the store is logged as abandoned, not as a tick failure.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCommandRuntime,
  createLogger,
  ManualClock,
  SandboxGateway,
  type Collection,
  type Doc,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { HoldExpiryScheduler } from '../src/reactors/hold-expiry.js';
import type { CapacityHoldDoc } from '../src/read-models.js';

/** A read the test finishes when it wants, like a large collection still loading. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { opened, open, fail };
}

const settled = () => new Promise((r) => setTimeout(r, 20));

describe('HoldExpiryScheduler stop during the read of due holds', () => {
  const clock = new ManualClock(new Date('2026-11-26T10:00:00Z'));
  const events = new SqliteEventStore({ path: ':memory:' });
  const docs = new EmbeddedDocumentStore({ path: ':memory:' });
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }),
  });
  let read = gate();
  let reads = 0;
  const gatedDocs = Object.create(docs) as EmbeddedDocumentStore;
  gatedDocs.collection = <T extends Doc>(name: string): Collection<T> => {
    const real = docs.collection<T>(name);
    const gated = Object.create(real) as Collection<T>;
    gated.find = async (...args) => {
      reads++;
      await read.opened;
      return real.find(...args);
    };
    return gated;
  };
  const deps = {
    runtime: createCommandRuntime(events, clock),
    docs: gatedDocs,
    clock,
    logger,
    gateway: new SandboxGateway(),
  };

  afterEach(() => {
    read = gate();
    reads = 0;
    lines.length = 0;
  });

  it('returns while the read is pending, and the tick then fires none of the due holds it read', async () => {
    await docs.collection<CapacityHoldDoc>('capacity_holds').upsertAt(
      'hold-1',
      {
        $set: {
          streamId: 'inventory-x',
          offeringId: 'x',
          bookingId: 'booking-1',
          quantity: 1,
          state: 'held',
          expiresAt: '2026-11-26T09:00:00.000Z',
        },
      },
      '1',
    );
    const scheduler = new HoldExpiryScheduler(deps, 10);
    scheduler.start();
    await settled();
    expect(reads).toBe(1);

    const outcome = await Promise.race([
      scheduler.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
    ]);
    expect(outcome).toBe('stopped');

    read.open();
    await settled();
    // the due hold was read but not fired: no command ran, no event was appended
    expect(scheduler.status()).toEqual({ fired: 0, lastError: null });
    expect((await events.headPosition()).commit).toBe(-1n);
    expect(reads).toBe(1);
  });

  it('logs a read failed under the stop as abandoned, not as a failed tick', async () => {
    const scheduler = new HoldExpiryScheduler(deps, 10);
    scheduler.start();
    await settled();
    await scheduler.stop();
    read.fail(new Error('The database connection is not open'));
    await settled();
    expect(scheduler.status().lastError).toBeNull();
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.map((l) => l.msg)).toContain('due items read abandoned by stop');
  });

  it('without a stop, a failed read is a failed tick', async () => {
    const scheduler = new HoldExpiryScheduler(deps, 10_000);
    scheduler.start();
    await settled();
    read.fail(new Error('disk on fire'));
    await settled();
    expect(scheduler.status().lastError).toBe('disk on fire');
    expect(lines.find((l) => l.level === 50)?.msg).toBe('hold expiry tick failed; retrying next tick');
    await scheduler.stop();
  });
});
