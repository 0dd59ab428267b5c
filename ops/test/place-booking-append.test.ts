/**
 * POST /bookings stores the capacity hold and the booking in ONE atomic append (one
 * transaction, one fsync): never one without the other. On a store that cannot append to
 * two streams atomically (EventStoreDB) it appends one after the other and gives the hold
 * back when the booking cannot be recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  newId,
  streams,
  systemClock,
  toNewEvents,
  type EventStore,
  type NewEvent,
  type StreamAppend,
} from '@booking/shared-kernel';
import { SqliteEventStore } from '@booking/shared-kernel/adapters';
import { nextSlots } from '@booking/command';
import { alwaysOpenSchedule, startHarness, tempDir, type Harness } from '../test-support/harness.js';

/** The store's write calls, by the streams they wrote. */
class WriteRecorder {
  readonly calls: { method: 'append' | 'appendToStreams'; streams: string[] }[] = [];
  forStreams(...ids: string[]) {
    return this.calls.filter((c) => c.streams.some((s) => ids.includes(s)));
  }
}

/**
 * Wraps `inner`: records writes; `beforeAtomicAppend` runs before each appendToStreams;
 * `atomic: false` hides appendToStreams (as the EventStoreDB adapter has none);
 * `failAppendTo` makes the first plain append to a stream with that prefix fail.
 */
function wrap(
  inner: SqliteEventStore,
  recorder: WriteRecorder,
  options: {
    atomic?: boolean;
    beforeAtomicAppend?: (appends: readonly StreamAppend[]) => Promise<void>;
    failAppendTo?: string;
  } = {},
): EventStore {
  let failed = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (streamId: string, events: readonly NewEvent[], expected: Parameters<EventStore['append']>[2]) => {
          recorder.calls.push({ method: 'append', streams: [streamId] });
          if (options.failAppendTo && streamId.startsWith(options.failAppendTo) && !failed) {
            failed = true;
            throw new Error(`simulated failure appending to ${streamId}`);
          }
          return target.append(streamId, events, expected);
        };
      }
      if (prop === 'appendToStreams') {
        if (options.atomic === false) return undefined;
        return async (appends: readonly StreamAppend[]) => {
          recorder.calls.push({ method: 'appendToStreams', streams: appends.map((a) => a.streamId) });
          await options.beforeAtomicAppend?.(appends);
          return target.appendToStreams(appends);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('POST /bookings: the hold and the booking in one append', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** Only the command role: nothing else writes, so the store's counters are the request's. */
  async function start(store: EventStore): Promise<Harness> {
    return startHarness({ eventStore: store, dataDir: tempDir(), env: { ROLES: 'command' } });
  }

  async function serviceOffering(harness: Harness, seatsPerSlot: number) {
    const schedule = alwaysOpenSchedule();
    const created = await harness.http
      .post('/api/offerings')
      .set(harness.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Small class',
        category: 'yoga',
        price: { amount: 1000, currency: 'EUR' },
        seatsPerSlot,
        schedule,
        publish: true,
      });
    expect(created.status).toBe(201);
    const offeringId = created.body.offeringId as string;
    const slotStart = nextSlots(schedule as Parameters<typeof nextSlots>[0], harness.clock.now(), 3)[2]!.start;
    return { offeringId, slotStart, slotStream: streams.slot(offeringId, slotStart) };
  }

  const book = (harness: Harness, offeringId: string, slotStart: string, correlationId = `corr-${newId()}`) =>
    harness.http
      .post('/api/bookings')
      .set(harness.auth('customer-alice'))
      .set('x-correlation-id', correlationId)
      .send({ offeringId, slotStart });

  it('one appendToStreams, one transaction per booking; the same events, metadata and 201 as before', async () => {
    const sqlite = new SqliteEventStore({ path: `${tempDir()}/events.sqlite` });
    const recorder = new WriteRecorder();
    h = await start(wrap(sqlite, recorder));
    const { offeringId, slotStart, slotStream } = await serviceOffering(h, 1);

    const before = sqlite.stats();
    const correlationId = `corr-${newId()}`;
    const res = await book(h, offeringId, slotStart, correlationId);
    expect(res.status).toBe(201);
    expect(sqlite.stats().transactions - before.transactions).toBe(1);
    expect(sqlite.stats().events - before.events).toBe(2);
    const bookingId = res.body.bookingId as string;
    const bookingStream = streams.booking(bookingId);
    expect(recorder.forStreams(slotStream, bookingStream)).toEqual([
      { method: 'appendToStreams', streams: [slotStream, bookingStream] },
    ]);

    const [reserved] = await sqlite.readStream(slotStream);
    const [placed] = await sqlite.readStream(bookingStream);
    expect(reserved).toMatchObject({ type: 'CapacityReserved', revision: 0n, data: { offeringId, bookingId } });
    expect(placed).toMatchObject({ type: 'BookingPlaced', revision: 0n, data: { bookingId, offeringId } });
    // both caused by the request, under its correlation id, by the customer
    for (const e of [reserved!, placed!]) {
      expect(e.metadata).toMatchObject({ correlationId, actor: { id: 'customer-alice', role: 'customer' } });
    }
    expect(reserved!.metadata.causationId).toBe(placed!.metadata.causationId);
    // the hold comes first in the log, the booking right after it
    expect(placed!.position.commit).toBe(reserved!.position.commit + 1n);
    expect(res.headers.location).toBe(`/api/bookings/${bookingId}`);
    expect(res.body).toMatchObject({
      bookingId,
      status: 'PENDING',
      revision: '0',
      position: String(placed!.position.commit),
    });

    // the slot had one seat: the next booking is sold out, and nothing is written
    const head = await sqlite.headPosition();
    const soldOut = await book(h, offeringId, slotStart);
    expect(soldOut.status).toBe(409);
    expect(soldOut.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(soldOut.body.type).toMatch(/\/sold-out$/);
    expect(await sqlite.headPosition()).toEqual(head);
  });

  it('concurrent bookings of one slot: each has its hold and its booking, the rest are sold out', async () => {
    const sqlite = new SqliteEventStore({ path: `${tempDir()}/events.sqlite` });
    h = await start(wrap(sqlite, new WriteRecorder()));
    const { offeringId, slotStart, slotStream } = await serviceOffering(h, 15);
    const all = await Promise.all(Array.from({ length: 20 }, () => book(h!, offeringId, slotStart)));
    const responses = all.filter((r) => r.status === 201);
    expect(responses).toHaveLength(15);
    expect(all.filter((r) => r.status === 409 && /\/sold-out$/.test(r.body.type as string))).toHaveLength(5);
    const holders = (await sqlite.readStream(slotStream)).map((e) => e.data['bookingId']);
    expect(new Set(holders)).toEqual(new Set(responses.map((r) => r.body.bookingId)));
    for (const r of responses) expect(await sqlite.readStream(streams.booking(r.body.bookingId))).toHaveLength(1);
  });

  it('a capacity stream that keeps changing: 409 after the retries, and no booking stream', async () => {
    const sqlite = new SqliteEventStore({ path: `${tempDir()}/events.sqlite` });
    let slotStream = '';
    let offeringId = '';
    // before every atomic append, "another process" holds a seat of the same slot
    const sneakHold = async () => {
      const hold = toNewEvents(
        [
          {
            type: 'CapacityReserved',
            data: {
              offeringId,
              bookingId: newId(),
              quantity: 1,
              holdExpiresAt: new Date(Date.now() + 60_000).toISOString(),
            },
          },
        ],
        { actor: { id: 'customer-elsewhere', role: 'customer' }, correlationId: newId(), causationId: newId() },
        systemClock,
      );
      await sqlite.append(slotStream, hold, 'any');
    };
    const recorder = new WriteRecorder();
    h = await start(wrap(sqlite, recorder, { beforeAtomicAppend: sneakHold }));
    const offering = await serviceOffering(h, 50);
    ({ offeringId, slotStream } = offering);

    const res = await book(h, offeringId, offering.slotStart);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.type).toMatch(/\/conflict$/);
    // 1 + 5 retries, each refused whole: only the other process's holds are stored
    const attempts = recorder.calls.filter((c) => c.method === 'appendToStreams');
    expect(attempts).toHaveLength(6);
    const bookingStream = attempts[0]!.streams[1]!;
    expect(attempts.every((c) => c.streams[1] === bookingStream)).toBe(true);
    expect(await sqlite.readStream(bookingStream)).toEqual([]);
    expect((await sqlite.readAll({ filter: { streamPrefixes: ['booking-'] } })).length).toBe(0);
    const slotEvents = await sqlite.readStream(slotStream);
    expect(slotEvents).toHaveLength(6);
    expect(slotEvents.every((e) => e.metadata.actor.id === 'customer-elsewhere')).toBe(true);
  });

  describe('on a store without atomic appends to several streams', () => {
    it('appends the hold, then the booking: two appends, same events and 201', async () => {
      const sqlite = new SqliteEventStore({ path: `${tempDir()}/events.sqlite` });
      const recorder = new WriteRecorder();
      h = await start(wrap(sqlite, recorder, { atomic: false }));
      const { offeringId, slotStart, slotStream } = await serviceOffering(h, 2);
      const before = sqlite.stats().transactions;
      const res = await book(h, offeringId, slotStart);
      expect(res.status).toBe(201);
      const bookingStream = streams.booking(res.body.bookingId);
      expect(sqlite.stats().transactions - before).toBe(2);
      expect(recorder.forStreams(slotStream, bookingStream)).toEqual([
        { method: 'append', streams: [slotStream] },
        { method: 'append', streams: [bookingStream] },
      ]);
      expect((await sqlite.readStream(bookingStream)).map((e) => e.type)).toEqual(['BookingPlaced']);
      expect(res.body).toMatchObject({ revision: '0' });
    });

    it('gives the hold back when the booking cannot be recorded', async () => {
      const sqlite = new SqliteEventStore({ path: `${tempDir()}/events.sqlite` });
      h = await start(wrap(sqlite, new WriteRecorder(), { atomic: false, failAppendTo: 'booking-' }));
      const { offeringId, slotStart, slotStream } = await serviceOffering(h, 1);
      const res = await book(h, offeringId, slotStart);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const slotEvents = await sqlite.readStream(slotStream);
      expect(slotEvents.map((e) => e.type)).toEqual(['CapacityReserved', 'CapacityReleased']);
      expect(slotEvents[1]!.data).toMatchObject({ reason: 'orphaned', bookingId: slotEvents[0]!.data['bookingId'] });
      // the seat is free again
      expect((await book(h, offeringId, slotStart)).status).toBe(201);
    });
  });
});
