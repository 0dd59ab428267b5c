/**
 * The live booking feed over an embedded read-model store, driven by hand the way the
 * projection runner drives it (documents written at positions, then "reached P"): what a
 * subscriber sees, resuming after a position, paging, and subscribers that arrive while a
 * round is being read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, sortablePosition, type DocumentStore, type GlobalPosition } from '@booking/shared-kernel';
import { EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import type { BookingDoc } from '@booking/projections';
import { LiveBookingFeed, resumePosition, type BookingSubscriber, type ReadModelChanges } from '../src/index.js';

const at = (n: number): GlobalPosition => ({ commit: BigInt(n), prepare: BigInt(n) });

type Listener = Parameters<ReadModelChanges['subscribe']>[1];

/** Drives the feed like the projection runner (`written` ids) or a checkpoint (`null`). */
class ManualChanges implements ReadModelChanges {
  private listener: Listener | null = null;
  /** ids written since the last `reach`, as the runner records them; null: unknown */
  written: Set<string> | null = new Set();
  subscribe(_projector: string, listener: Listener) {
    this.listener = listener;
    return () => (this.listener = null);
  }
  reach(n: number) {
    const written = this.written;
    if (written) this.written = new Set();
    this.listener?.(at(n), written ? new Map([['bookings', written]]) : null);
  }
}

/** The same store, but every find and get waits `ms` first (a round spans several ticks). */
function withSlowFinds(store: DocumentStore, ms: number): DocumentStore {
  const bind = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop !== 'collection') return bind(target, prop);
      return (name: string) =>
        new Proxy(target.collection(name), {
          get(coll, p) {
            if (p === 'find')
              return async (...args: Parameters<typeof coll.find>) => {
                await new Promise((r) => setTimeout(r, ms));
                return coll.find(...args);
              };
            if (p === 'get')
              return async (id: string) => {
                await new Promise((r) => setTimeout(r, ms));
                return coll.get(id);
              };
            return bind(coll, p);
          },
        });
    },
  });
}

interface Received {
  id: string;
  status: string;
  position: string;
}

function collector(customerId: string | null) {
  const received: Received[] = [];
  const subscriber: BookingSubscriber = {
    filter: customerId ? { customerId } : {},
    accepts: (doc) => customerId === null || doc.customerId === customerId,
    deliver: (doc, position) => received.push({ id: doc._id, status: doc.status, position }),
    end: () => undefined,
  };
  return { received, subscriber };
}

describe.each([
  ['with the ids the runner wrote', true],
  ['by position (a checkpoint)', false],
])('LiveBookingFeed, %s', (_mode, byId) => {
  let docs: EmbeddedDocumentStore;
  let changes: ManualChanges;
  let feed: LiveBookingFeed;

  const write = async (n: number, id: string, customerId: string, status: string) => {
    await docs
      .collection<BookingDoc>('bookings')
      .upsertAt(id, { $set: { customerId, providerId: 'provider-p', status } }, sortablePosition(at(n)));
    changes.written?.add(id);
  };
  const settled = () => new Promise((r) => setTimeout(r, 20));

  beforeEach(async () => {
    docs = new EmbeddedDocumentStore({ path: ':memory:' });
    changes = new ManualChanges();
    if (!byId) changes.written = null;
    await write(1, 'b-old', 'alice', 'PENDING');
    // flushed with its checkpoint, as the projection runner leaves it: history at the start
    await docs.saveCheckpoint('bookings', sortablePosition(at(1)));
    feed = new LiveBookingFeed(docs, changes, createLogger({ level: 'silent' }), { pageSize: 2 });
    await feed.start();
  });

  afterEach(async () => {
    feed.close();
    await docs.close();
  });

  it('delivers each change once, in its newest state, to those who may see it', async () => {
    const alice = collector('alice');
    const everyone = collector(null);
    feed.subscribe(alice.subscriber, null);
    feed.subscribe(everyone.subscriber, null);

    await write(2, 'b1', 'alice', 'PENDING');
    await write(3, 'b2', 'bob', 'PENDING');
    await write(4, 'b1', 'alice', 'CONFIRMED');
    await write(5, 'b3', 'alice', 'PENDING');
    await write(6, 'b4', 'bob', 'PENDING');
    changes.reach(6);
    await settled();

    // b1 changed twice before the round: sent once, CONFIRMED, with its latest position
    expect(alice.received).toEqual([
      { id: 'b1', status: 'CONFIRMED', position: '4' },
      { id: 'b3', status: 'PENDING', position: '5' },
    ]);
    expect(everyone.received.map((r) => r.id)).toEqual(['b2', 'b1', 'b3', 'b4']);
  });

  it('does not deliver what the read model has not durably reached yet', async () => {
    const alice = collector('alice');
    feed.subscribe(alice.subscriber, null);
    await write(2, 'b1', 'alice', 'PENDING');
    await write(3, 'b2', 'alice', 'PENDING');
    changes.reach(2);
    await settled();
    expect(alice.received.map((r) => r.id)).toEqual(['b1']);
    changes.reach(3);
    await settled();
    expect(alice.received.map((r) => r.id)).toEqual(['b1', 'b2']);
  });

  it('resumes after a position: what changed since, then live, nothing twice', async () => {
    await write(2, 'b1', 'alice', 'PENDING');
    await write(3, 'b2', 'bob', 'PENDING');
    await write(4, 'b3', 'alice', 'PENDING');
    await write(5, 'b4', 'alice', 'PENDING');
    await write(6, 'b5', 'alice', 'PENDING');
    changes.reach(6);
    await settled();

    const alice = collector('alice');
    feed.subscribe(alice.subscriber, resumePosition('2'));
    await write(7, 'b6', 'alice', 'PENDING');
    changes.reach(7);
    await settled();
    expect(alice.received.map((r) => `${r.id}@${r.position}`)).toEqual(['b3@4', 'b4@5', 'b5@6', 'b6@7']);
  });

  it('misses nothing when it subscribes while a round is being read', async () => {
    feed.close();
    feed = new LiveBookingFeed(withSlowFinds(docs, 10), changes, createLogger({ level: 'silent' }), { pageSize: 2 });
    await feed.start();
    for (let n = 2; n <= 9; n++) await write(n, `b${n}`, 'alice', 'PENDING');
    const early = collector(null);
    feed.subscribe(early.subscriber, null);
    changes.reach(9);
    // subscribe in the middle of the round: by id, while its reads are in flight; by
    // position, between its pages of 2 (resuming after position 1)
    if (byId) await new Promise((r) => setTimeout(r, 3));
    else while (early.received.length < 2) await new Promise((r) => setTimeout(r, 1));
    expect(early.received.length).toBe(byId ? 0 : 2);
    const late = collector('alice');
    feed.subscribe(late.subscriber, resumePosition('1'));
    await new Promise((r) => setTimeout(r, 150));
    expect(early.received.map((r) => r.id)).toEqual(['b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9']);
    expect(late.received.map((r) => r.id)).toEqual(['b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9']);
  });

  it('ends every stream when it closes', () => {
    let ended = 0;
    const subscriber: BookingSubscriber = { ...collector(null).subscriber, end: () => void ended++ };
    feed.subscribe(subscriber, null);
    feed.subscribe(subscriber, null);
    feed.close();
    expect(ended).toBe(2);
    expect(feed.size).toBe(0);
  });

  it('reads a Last-Event-ID as a position, or refuses it', () => {
    expect(resumePosition('42')).toEqual(at(42));
    expect(resumePosition('42/40')).toEqual({ commit: 42n, prepare: 40n });
    for (const bad of ['', 'abc', '-1', '1.5', '9'.repeat(30)]) expect(resumePosition(bad)).toBeNull();
  });
});
