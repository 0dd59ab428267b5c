/**
 * The event store contract: every adapter runs this same suite.
 *
 *   eventStoreContract('sqlite', async () => new SqliteEventStore({ path }));
 *
 * Every test uses stream names with a random prefix and reads the global log only after
 * a head position taken at its start (or filtered by that prefix), so the suite can run
 * against a shared EventStoreDB server that holds other data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import {
  DuplicateEventIdError,
  START,
  WrongExpectedRevisionError,
  comparePositions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../src/ports/event-store.js';

export interface EventStoreContractOptions {
  /**
   * The adapter rejects an event id already stored in ANOTHER stream (default true).
   * EventStoreDB has no global event id index and only deduplicates within a stream.
   */
  readonly rejectsEventIdsOfOtherStreams?: boolean;
  /**
   * The adapter has `appendToStreams`, all or none across streams (default true).
   * EventStoreDB cannot make appends to several streams atomic and leaves it out.
   */
  readonly appendsToStreamsAtomically?: boolean;
}

let counter = 0;

export function newEvent(type = 'Tested', data: Record<string, unknown> = {}): NewEvent {
  counter++;
  return {
    type,
    data: { n: counter, ...data },
    metadata: {
      eventId: uuidv7(),
      correlationId: uuidv7(),
      causationId: uuidv7(),
      actor: { id: 'contract-test', role: 'system' },
      schemaVersion: 1,
      recordedAt: new Date().toISOString(),
    },
  };
}

function events(n: number, type = 'Tested'): NewEvent[] {
  return Array.from({ length: n }, (_, i) => newEvent(type, { i }));
}

async function expectWrongRevision(
  p: Promise<unknown>,
  streamId: string,
  expected: ExpectedRevision,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  const w = error as WrongExpectedRevisionError;
  expect(w.streamId).toBe(streamId);
  expect(w.expected).toBe(expected);
  expect(w.actual).toBe(actual);
}

/** Pulls n events from a subscription, failing after timeoutMs instead of hanging. */
async function take(it: AsyncIterator<RecordedEvent>, n: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${out.length} of ${n} events`)),
        Math.max(1, deadline - Date.now()),
      );
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`subscription ended after ${out.length} of ${n} events`);
      out.push(r.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

function isIncreasing(positions: readonly GlobalPosition[]): boolean {
  return positions.every((p, i) => i === 0 || comparePositions(positions[i - 1]!, p) < 0);
}

export function eventStoreContract(
  name: string,
  create: () => Promise<EventStore>,
  options: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let prefix: string;
    const subscriptions: Subscription[] = [];
    const sid = (s: string): string => `${prefix}${s}`;

    beforeEach(async () => {
      store = await create();
      prefix = `ct${Math.random().toString(36).slice(2, 10)}-`;
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await store.close();
    });

    function subscribe(...args: Parameters<EventStore['subscribeToAll']>): Subscription {
      const s = store.subscribeToAll(...args);
      subscriptions.push(s);
      return s;
    }

    describe('append and readStream', () => {
      it('round-trips type, data, metadata, stream id, revisions and positions', async () => {
        const s = sid('roundtrip');
        const written: NewEvent[] = [
          newEvent('BookingPlaced', {
            bookingId: uuidv7(),
            seats: 3,
            price: { cents: 12_345, currency: 'EUR' },
            tags: ['a', 'b'],
            note: 'Zoë – 東京 🚀 "quoted" \\ back',
            paid: false,
            nothing: null,
            ratio: 0.25,
            nested: { deep: { deeper: [1, { x: 'y' }] } },
          }),
          newEvent('BookingConfirmed'),
          newEvent('BookingCancelled', { reason: 'changed mind' }),
        ];
        const result = await store.append(s, written, 'no_stream');
        expect(result.nextExpectedRevision).toBe(2n);
        expect(typeof result.position.commit).toBe('bigint');
        expect(typeof result.position.prepare).toBe('bigint');

        const read = await store.readStream(s);
        expect(read).toHaveLength(3);
        read.forEach((e, i) => {
          expect(e.streamId).toBe(s);
          expect(e.revision).toBe(BigInt(i));
          expect(e.type).toBe(written[i]!.type);
          expect(e.data).toEqual(written[i]!.data);
          expect(e.metadata).toEqual(written[i]!.metadata);
          expect(typeof e.position.commit).toBe('bigint');
          expect(typeof e.position.prepare).toBe('bigint');
        });
        expect(isIncreasing(read.map((e) => e.position))).toBe(true);
        expect(comparePositions(read[2]!.position, result.position)).toBe(0);
      });

      it('continues revisions across appends', async () => {
        const s = sid('revisions');
        expect((await store.append(s, events(2), 'no_stream')).nextExpectedRevision).toBe(1n);
        expect((await store.append(s, events(1), 1n)).nextExpectedRevision).toBe(2n);
        expect((await store.append(s, events(3), 'any')).nextExpectedRevision).toBe(5n);
        const read = await store.readStream(s);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
      });

      it('reads a missing stream as an empty list', async () => {
        expect(await store.readStream(sid('missing'))).toEqual([]);
        expect(await store.readStream(sid('missing'), { direction: 'backwards' })).toEqual([]);
        expect(await store.readStream(sid('missing'), { fromRevision: 3n, maxCount: 2 })).toEqual([]);
      });

      it('reads forwards and backwards with fromRevision and maxCount', async () => {
        const s = sid('paging');
        await store.append(s, events(10), 'no_stream');
        const revs = (list: RecordedEvent[]) => list.map((e) => Number(e.revision));

        expect(revs(await store.readStream(s))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(revs(await store.readStream(s, { fromRevision: 3n, maxCount: 4 }))).toEqual([3, 4, 5, 6]);
        expect(revs(await store.readStream(s, { fromRevision: 8n }))).toEqual([8, 9]);
        expect(revs(await store.readStream(s, { fromRevision: 20n }))).toEqual([]);
        expect(revs(await store.readStream(s, { maxCount: 2 }))).toEqual([0, 1]);
        expect(revs(await store.readStream(s, { direction: 'backwards' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(revs(await store.readStream(s, { direction: 'backwards', maxCount: 3 }))).toEqual([9, 8, 7]);
        expect(revs(await store.readStream(s, { direction: 'backwards', fromRevision: 5n }))).toEqual([
          5, 4, 3, 2, 1, 0,
        ]);
        expect(revs(await store.readStream(s, { direction: 'backwards', fromRevision: 5n, maxCount: 2 }))).toEqual([
          5, 4,
        ]);
        expect(await store.readStream(s, { maxCount: 0 })).toEqual([]);
      });
    });

    describe('expected revision', () => {
      it("'no_stream' succeeds on a new stream and fails on an existing one", async () => {
        const s = sid('nostream');
        await store.append(s, events(2), 'no_stream');
        await expectWrongRevision(store.append(s, events(1), 'no_stream'), s, 'no_stream', 1n);
      });

      it("'stream_exists' fails on a missing stream and succeeds on an existing one", async () => {
        const s = sid('exists');
        await expectWrongRevision(store.append(s, events(1), 'stream_exists'), s, 'stream_exists', 'no_stream');
        expect(await store.readStream(s)).toEqual([]);
        await store.append(s, events(1), 'no_stream');
        expect((await store.append(s, events(1), 'stream_exists')).nextExpectedRevision).toBe(1n);
      });

      it("'any' succeeds on missing and existing streams", async () => {
        const s = sid('any');
        expect((await store.append(s, events(1), 'any')).nextExpectedRevision).toBe(0n);
        expect((await store.append(s, events(2), 'any')).nextExpectedRevision).toBe(2n);
      });

      it('an exact revision succeeds only when it is the current one', async () => {
        const s = sid('exact');
        await expectWrongRevision(store.append(s, events(1), 0n), s, 0n, 'no_stream');
        await store.append(s, events(3), 'no_stream');
        await expectWrongRevision(store.append(s, events(1), 1n), s, 1n, 2n); // stale
        await expectWrongRevision(store.append(s, events(1), 7n), s, 7n, 2n); // ahead
        expect((await store.append(s, events(1), 2n)).nextExpectedRevision).toBe(3n);
      });

      it('a refused append writes nothing', async () => {
        const s = sid('refused');
        const [first] = events(1);
        await store.append(s, [first!], 'no_stream');
        const refused = events(3);
        await expect(store.append(s, refused, 5n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        const read = await store.readStream(s);
        expect(read.map((e) => e.metadata.eventId)).toEqual([first!.metadata.eventId]);
        // the refused ids were not stored: they can be appended now
        expect((await store.append(s, refused, 0n)).nextExpectedRevision).toBe(3n);
      });

      it('an empty append only checks the expected revision', async () => {
        const s = sid('empty');
        const none = await store.append(s, [], 'no_stream');
        expect(none.nextExpectedRevision).toBe(-1n);
        await expectWrongRevision(store.append(s, [], 'stream_exists'), s, 'stream_exists', 'no_stream');
        await expectWrongRevision(store.append(s, [], 0n), s, 0n, 'no_stream');
        expect(await store.readStream(s)).toEqual([]);

        const written = await store.append(s, events(2), 'no_stream');
        const check = await store.append(s, [], 1n);
        expect(check.nextExpectedRevision).toBe(1n);
        expect(comparePositions(check.position, written.position)).toBe(0);
        expect((await store.append(s, [], 'stream_exists')).nextExpectedRevision).toBe(1n);
        expect((await store.append(s, [], 'any')).nextExpectedRevision).toBe(1n);
        await expectWrongRevision(store.append(s, [], 0n), s, 0n, 1n);
        await expectWrongRevision(store.append(s, [], 'no_stream'), s, 'no_stream', 1n);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('keeps revisions as bigint, beyond 2^53 included', async () => {
        const s = sid('bigint');
        const huge = 2n ** 62n + 1n;
        await store.append(s, events(1), 'no_stream');
        await expectWrongRevision(store.append(s, events(1), huge), s, huge, 0n);
        const r = await store.append(s, events(1), 0n);
        expect(typeof r.nextExpectedRevision).toBe('bigint');
        const [last] = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
        expect(typeof last!.revision).toBe('bigint');
        expect(await store.readStream(s, { fromRevision: huge })).toEqual([]);
      });
    });

    describe('event ids', () => {
      it('a retry with the same ids and expected revision returns the original result and writes nothing', async () => {
        const s = sid('retry');
        const batch = events(2);
        const first = await store.append(s, batch, 'no_stream');
        const again = await store.append(s, batch, 'no_stream');
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(again.position, first.position)).toBe(0);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('a retry at an exact revision after the stream moved on returns the original result', async () => {
        const s = sid('retry-exact');
        await store.append(s, events(1), 'no_stream');
        const batch = events(2);
        const first = await store.append(s, batch, 0n);
        await store.append(s, events(1), 2n);
        const again = await store.append(s, batch, 0n);
        expect(again.nextExpectedRevision).toBe(2n);
        expect(comparePositions(again.position, first.position)).toBe(0);
        const ids = (await store.readStream(s)).map((e) => e.metadata.eventId);
        expect(ids).toHaveLength(4);
        expect(new Set(ids).size).toBe(4);
      });

      it('ids stored only in part are a DuplicateEventIdError and nothing is written', async () => {
        const s = sid('partial');
        const [a, b, c] = events(3);
        await store.append(s, [a!, b!], 'no_stream');
        const error = await store.append(s, [a!, c!], 'no_stream').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((error as DuplicateEventIdError).eventId).toBe(a!.metadata.eventId);
        expect((error as DuplicateEventIdError).streamId).toBe(s);
        expect((await store.readStream(s)).map((e) => e.metadata.eventId)).toEqual([
          a!.metadata.eventId,
          b!.metadata.eventId,
        ]);
      });

      it.skipIf(options.rejectsEventIdsOfOtherStreams === false)(
        'an id stored in another stream is a DuplicateEventIdError',
        async () => {
          const [a] = events(1);
          await store.append(sid('owner'), [a!], 'no_stream');
          await expect(store.append(sid('thief'), [a!], 'no_stream')).rejects.toBeInstanceOf(DuplicateEventIdError);
          await expect(store.append(sid('thief'), [newEvent(), a!], 'any')).rejects.toBeInstanceOf(
            DuplicateEventIdError,
          );
          expect(await store.readStream(sid('thief'))).toEqual([]);
        },
      );

      it('the same id twice in one append is a DuplicateEventIdError', async () => {
        const s = sid('twice');
        const [a] = events(1);
        await expect(store.append(s, [a!, a!], 'no_stream')).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(s)).toEqual([]);
      });
    });

    describe('readAll and headPosition', () => {
      it('reads the log after a position, in order, with filters and maxCount', async () => {
        const head = await store.headPosition();
        const a = sid('all-a');
        const b = sid('all-b');
        const other = sid('zz-other');
        await store.append(a, [newEvent('Alpha'), newEvent('Beta')], 'no_stream');
        await store.append(b, [newEvent('Alpha')], 'no_stream');
        await store.append(other, [newEvent('Gamma')], 'no_stream');
        await store.append(a, [newEvent('Gamma')], 1n);

        const mine = { streamPrefixes: [prefix] };
        const all = await store.readAll({ after: head, filter: mine });
        expect(all.map((e) => [e.streamId, e.type])).toEqual([
          [a, 'Alpha'],
          [a, 'Beta'],
          [b, 'Alpha'],
          [other, 'Gamma'],
          [a, 'Gamma'],
        ]);
        expect(isIncreasing(all.map((e) => e.position))).toBe(true);
        expect(all.every((e) => comparePositions(e.position, head) > 0)).toBe(true);

        // after is exclusive
        const rest = await store.readAll({ after: all[1]!.position, filter: mine });
        expect(rest.map((e) => e.metadata.eventId)).toEqual(all.slice(2).map((e) => e.metadata.eventId));

        expect(
          (await store.readAll({ after: head, filter: { streamPrefixes: [sid('all-')] } })).map((e) => e.streamId),
        ).toEqual([a, a, b, a]);
        expect(
          (await store.readAll({ after: head, filter: { streamPrefixes: [a, other] } })).map((e) => e.type),
        ).toEqual(['Alpha', 'Beta', 'Gamma', 'Gamma']);
        expect(
          (
            await store.readAll({ after: head, filter: { streamPrefixes: [prefix], eventTypes: ['Alpha', 'Gamma'] } })
          ).map((e) => `${e.streamId}:${e.type}`),
        ).toEqual([`${a}:Alpha`, `${b}:Alpha`, `${other}:Gamma`, `${a}:Gamma`]);
        expect(
          (
            await store.readAll({
              after: head,
              maxCount: 2,
              filter: { streamPrefixes: [prefix], eventTypes: ['Gamma'] },
            })
          ).map((e) => e.streamId),
        ).toEqual([other, a]);
        expect((await store.readAll({ after: head, maxCount: 3, filter: mine })).map((e) => e.type)).toEqual([
          'Alpha',
          'Beta',
          'Alpha',
        ]);
        expect(await store.readAll({ after: head, maxCount: 0, filter: mine })).toEqual([]);
        // the prefix filter is exact: case and wildcards matter
        expect(await store.readAll({ after: head, filter: { streamPrefixes: [prefix.toUpperCase()] } })).toEqual([]);
        expect(await store.readAll({ after: head, filter: { streamPrefixes: [`${prefix}%`] } })).toEqual([]);
        expect(await store.readAll({ after: head, filter: { streamPrefixes: [`${prefix.slice(0, -1)}_`] } })).toEqual(
          [],
        );
      });

      it('reads events with the same data and metadata as readStream', async () => {
        const head = await store.headPosition();
        const s = sid('same');
        await store.append(s, events(3, 'Same'), 'no_stream');
        const viaAll = await store.readAll({ after: head, filter: { streamPrefixes: [s] } });
        expect(viaAll).toEqual(await store.readStream(s));
      });

      it('headPosition moves to the last appended event', async () => {
        const before = await store.headPosition();
        expect(typeof before.commit).toBe('bigint');
        const r = await store.append(sid('head'), events(2), 'no_stream');
        expect(comparePositions(r.position, before)).toBeGreaterThan(0);
        const after = await store.headPosition();
        expect(comparePositions(after, r.position)).toBeGreaterThanOrEqual(0);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers catch-up events then live ones, in order, honouring the filter', async () => {
        const head = await store.headPosition();
        const a = sid('sub-a');
        await store.append(a, [newEvent('Wanted'), newEvent('Unwanted'), newEvent('Wanted')], 'no_stream');
        await store.append(sid('sub-b'), [newEvent('Wanted')], 'no_stream');

        const sub = subscribe({ after: head, filter: { streamPrefixes: [a], eventTypes: ['Wanted'] } });
        const it = sub[Symbol.asyncIterator]();
        const caughtUp = await take(it, 2);
        expect(caughtUp.map((e) => [e.streamId, e.revision, e.type])).toEqual([
          [a, 0n, 'Wanted'],
          [a, 2n, 'Wanted'],
        ]);

        // live: appended after the subscription caught up
        const live = take(it, 3);
        await store.append(sid('sub-b'), [newEvent('Wanted')], 0n);
        await store.append(a, [newEvent('Wanted'), newEvent('Unwanted')], 2n);
        await store.append(a, [newEvent('Wanted')], 4n);
        const w = newEvent('Wanted', { last: true });
        await store.append(a, [w], 5n);
        const got = await live;
        expect(got.map((e) => [e.revision, e.type])).toEqual([
          [3n, 'Wanted'],
          [5n, 'Wanted'],
          [6n, 'Wanted'],
        ]);
        expect(got[2]!.metadata).toEqual(w.metadata);
        expect(got[2]!.data).toEqual(w.data);
        expect(isIncreasing([...caughtUp, ...got].map((e) => e.position))).toBe(true);
      });

      it('starts after the given position (exclusive)', async () => {
        const s = sid('sub-after');
        await store.append(s, events(2), 'no_stream');
        const r = await store.append(s, events(1), 1n);
        const [second] = await store.readStream(s, { fromRevision: 1n, maxCount: 1 });
        const sub = subscribe({ after: second!.position, filter: { streamPrefixes: [s] } });
        const [next] = await take(sub[Symbol.asyncIterator](), 1);
        expect(next!.revision).toBe(2n);
        expect(comparePositions(next!.position, r.position)).toBe(0);
      });

      it('delivers every live event of concurrent appends to many streams, each once, in log order', async () => {
        const head = await store.headPosition();
        const sub = subscribe({ after: head, filter: { streamPrefixes: [sid('many-')] } });
        const it = sub[Symbol.asyncIterator]();
        const received = take(it, 40);
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(sid(`many-${i}`), events(2), 'no_stream')));
        const got = await received;
        expect(new Set(got.map((e) => e.metadata.eventId)).size).toBe(40);
        expect(isIncreasing(got.map((e) => e.position))).toBe(true);
        const viaAll = await store.readAll({ after: head, filter: { streamPrefixes: [sid('many-')] } });
        expect(got.map((e) => e.metadata.eventId)).toEqual(viaAll.map((e) => e.metadata.eventId));
      });

      it('close() ends a subscription that waits for events', async () => {
        const sub = subscribe({ after: await store.headPosition(), filter: { streamPrefixes: [sid('quiet')] } });
        const it = sub[Symbol.asyncIterator]();
        const pending = it.next();
        await new Promise((r) => setTimeout(r, 50));
        const t0 = Date.now();
        await sub.close();
        const r = await pending;
        expect(r.done).toBe(true);
        expect(Date.now() - t0).toBeLessThan(2_000);
        expect((await it.next()).done).toBe(true);
      });

      it('breaking out of for-await ends the subscription', async () => {
        const head = await store.headPosition();
        const s = sid('break');
        await store.append(s, events(5), 'no_stream');
        const seen: bigint[] = [];
        for await (const e of subscribe({ after: head, filter: { streamPrefixes: [s] } })) {
          seen.push(e.revision);
          if (seen.length === 2) break;
        }
        expect(seen).toEqual([0n, 1n]);
      });

      it('a slow consumer still gets every event in order', async () => {
        const head = await store.headPosition();
        const s = sid('slow');
        await store.append(s, events(30), 'no_stream');
        const seen: bigint[] = [];
        for await (const e of subscribe({ after: head, filter: { streamPrefixes: [s] } })) {
          seen.push(e.revision);
          if (seen.length % 10 === 0) await new Promise((r) => setTimeout(r, 5));
          if (seen.length === 30) break;
        }
        expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
      });
    });

    describe('concurrency', () => {
      it('of 50 concurrent appends at the same exact revision exactly one wins', async () => {
        const s = sid('race');
        await store.append(s, events(1), 'no_stream');
        const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => store.append(s, events(1), 0n)));
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        expect(won).toHaveLength(1);
        expect((won[0] as PromiseFulfilledResult<AppendResult>).value.nextExpectedRevision).toBe(1n);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('50 writers racing with exact revisions: exactly one wins per revision, nothing lost', async () => {
        const s = sid('writers');
        const wins = new Map<string, number>();
        const writer = async (w: number): Promise<void> => {
          const event = newEvent('Written', { writer: w });
          for (let attempt = 0; attempt < 200; attempt++) {
            const [last] = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
            const expected: ExpectedRevision = last ? last.revision : 'no_stream';
            try {
              await store.append(s, [event], expected);
              wins.set(String(expected), (wins.get(String(expected)) ?? 0) + 1);
              return;
            } catch (e) {
              if (!(e instanceof WrongExpectedRevisionError)) throw e;
            }
          }
          throw new Error(`writer ${w} never won`);
        };
        await Promise.all(Array.from({ length: 50 }, (_, w) => writer(w)));
        expect([...wins.values()].every((n) => n === 1)).toBe(true);
        expect(wins.size).toBe(50);
        const read = await store.readStream(s);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
        expect(new Set(read.map((e) => e.data['writer'])).size).toBe(50);
      });

      it('concurrent appends to different streams all succeed with distinct increasing positions', async () => {
        const head = await store.headPosition();
        const n = 100;
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) => store.append(sid(`par-${i}`), events(2), 'no_stream')),
        );
        expect(results.every((r) => r.nextExpectedRevision === 1n)).toBe(true);
        const log = await store.readAll({ after: head, filter: { streamPrefixes: [sid('par-')] } });
        expect(log).toHaveLength(2 * n);
        expect(isIncreasing(log.map((e) => e.position))).toBe(true);
        // each append is atomic: its two events are adjacent in the log, and its result is
        // the position of its last event
        for (let i = 0; i < log.length; i += 2) {
          expect(log[i]!.streamId).toBe(log[i + 1]!.streamId);
          expect([log[i]!.revision, log[i + 1]!.revision]).toEqual([0n, 1n]);
          const k = Number(log[i]!.streamId.slice(sid('par-').length));
          expect(comparePositions(results[k]!.position, log[i + 1]!.position)).toBe(0);
        }
        expect(new Set(results.map((r) => `${r.position.commit}/${r.position.prepare}`)).size).toBe(n);
      });

      it('concurrent appends to one stream with any revision are all kept, in one order', async () => {
        const s = sid('any-race');
        const results = await Promise.all(Array.from({ length: 30 }, () => store.append(s, events(2), 'any')));
        const revisions = results.map((r) => r.nextExpectedRevision).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        expect(revisions).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(2 * i + 1)));
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual(
          Array.from({ length: 60 }, (_, i) => BigInt(i)),
        );
      });
    });

    describe.runIf(options.appendsToStreamsAtomically === false)('appendToStreams (not offered)', () => {
      it('is left out rather than imitated without atomicity', () => {
        expect(store.appendToStreams).toBeUndefined();
      });
    });

    describe.runIf(options.appendsToStreamsAtomically !== false)('appendToStreams (all or none)', () => {
      const appendToStreams = (...args: Parameters<NonNullable<EventStore['appendToStreams']>>) => {
        expect(store.appendToStreams).toBeTypeOf('function');
        return store.appendToStreams!(...args);
      };

      it('writes every stream; results, revisions and positions as append gives them, adjacent in the log', async () => {
        const head = await store.headPosition();
        const [a, b, c] = [sid('multi-a'), sid('multi-b'), sid('multi-c')];
        await store.append(a, events(2), 'no_stream');
        const toA = events(1);
        const toB = events(2);
        const toC = events(3);
        const results = await appendToStreams([
          { streamId: a, events: toA, expectedRevision: 1n },
          { streamId: b, events: toB, expectedRevision: 'no_stream' },
          { streamId: c, events: toC, expectedRevision: 'any' },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([2n, 1n, 2n]);
        const log = await store.readAll({ after: head, filter: { streamPrefixes: [sid('multi-')] } });
        // the two events appended to `a` before, then the call's six in the order given
        expect(log.slice(2).map((e) => e.metadata.eventId)).toEqual(
          [...toA, ...toB, ...toC].map((e) => e.metadata.eventId),
        );
        expect(log.slice(2).map((e) => [e.streamId, e.revision])).toEqual([
          [a, 2n],
          [b, 0n],
          [b, 1n],
          [c, 0n],
          [c, 1n],
          [c, 2n],
        ]);
        expect(isIncreasing(log.map((e) => e.position))).toBe(true);
        // each result is the position of its stream's last event
        expect(comparePositions(results[0]!.position, log[2]!.position)).toBe(0);
        expect(comparePositions(results[1]!.position, log[4]!.position)).toBe(0);
        expect(comparePositions(results[2]!.position, log[7]!.position)).toBe(0);
        expect(comparePositions(await store.headPosition(), results[2]!.position)).toBe(0);
        const readB = await store.readStream(b);
        expect(readB.map((e) => e.data)).toEqual(toB.map((e) => e.data));
        expect(readB.map((e) => e.metadata)).toEqual(toB.map((e) => e.metadata));
        expect((await store.append(b, events(1), 1n)).nextExpectedRevision).toBe(2n);
      });

      for (const [where, at] of [
        ['first', 0],
        ['middle', 1],
        ['last', 2],
      ] as const) {
        it(`a wrong expected revision in the ${where} stream writes none of them`, async () => {
          const names = [sid('none-0'), sid('none-1'), sid('none-2')];
          await store.append(names[at]!, events(1), 'no_stream');
          const head = await store.headPosition();
          const refused = appendToStreams(
            names.map((streamId) => ({ streamId, events: events(2), expectedRevision: 'no_stream' as const })),
          );
          await expectWrongRevision(refused, names[at]!, 'no_stream', 0n);
          expect(await store.readAll({ after: head, filter: { streamPrefixes: [sid('none-')] } })).toEqual([]);
          for (const [i, s] of names.entries()) expect(await store.readStream(s)).toHaveLength(i === at ? 1 : 0);
        });
      }

      it('an id twice in the call, or already stored elsewhere, writes none of it', async () => {
        const [x, y] = [sid('dup-x'), sid('dup-y')];
        const shared = newEvent();
        await expect(
          appendToStreams([
            { streamId: x, events: [newEvent(), shared], expectedRevision: 'no_stream' },
            { streamId: y, events: [shared], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toBeInstanceOf(DuplicateEventIdError);
        // the id of an event already in `x`, appended again as part of a call: only part of it is stored
        const stored = newEvent();
        await store.append(x, [stored], 'no_stream');
        await expect(
          appendToStreams([
            { streamId: x, events: [stored], expectedRevision: 'any' },
            { streamId: y, events: [newEvent()], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(y)).toEqual([]);
        expect(await store.readStream(x)).toHaveLength(1);
      });

      it('a stream named twice is a TypeError and nothing is written', async () => {
        const s = sid('twice-named');
        await expect(
          appendToStreams([
            { streamId: s, events: events(1), expectedRevision: 'no_stream' },
            { streamId: s, events: events(1), expectedRevision: 0n },
          ]),
        ).rejects.toBeInstanceOf(TypeError);
        expect(await store.readStream(s)).toEqual([]);
        expect(await appendToStreams([])).toEqual([]);
      });

      it('a stream without events only has its expected revision checked', async () => {
        const [checked, written] = [sid('check-only'), sid('check-written')];
        const before = await store.append(checked, events(2), 'no_stream');
        await expectWrongRevision(
          appendToStreams([
            { streamId: checked, events: [], expectedRevision: 0n },
            { streamId: written, events: events(1), expectedRevision: 'no_stream' },
          ]),
          checked,
          0n,
          1n,
        );
        expect(await store.readStream(written)).toEqual([]);
        const [same, after] = await appendToStreams([
          { streamId: checked, events: [], expectedRevision: 1n },
          { streamId: written, events: events(1), expectedRevision: 'no_stream' },
        ]);
        expect(same).toEqual(before);
        expect(after!.nextExpectedRevision).toBe(0n);
        expect(await store.readStream(checked)).toHaveLength(2);
      });

      it('a retry of a stored call returns the original results and writes nothing', async () => {
        const appends = [
          { streamId: sid('retry-a'), events: events(1), expectedRevision: 'no_stream' as const },
          { streamId: sid('retry-b'), events: events(2), expectedRevision: 'no_stream' as const },
        ];
        const first = await appendToStreams(appends);
        const head = await store.headPosition();
        expect(await appendToStreams(appends)).toEqual(first);
        expect(await store.headPosition()).toEqual(head);
      });

      it('a subscription gets the events of a call in log order, after those appended before it', async () => {
        const head = await store.headPosition();
        const sub = subscribe({ after: head, filter: { streamPrefixes: [sid('feed-')] } });
        const it = sub[Symbol.asyncIterator]();
        const received = take(it, 5);
        const before = events(1);
        await store.append(sid('feed-a'), before, 'no_stream');
        const toA = events(2);
        const toB = events(2);
        await appendToStreams([
          { streamId: sid('feed-a'), events: toA, expectedRevision: 0n },
          { streamId: sid('feed-b'), events: toB, expectedRevision: 'no_stream' },
        ]);
        const got = await received;
        expect(got.map((e) => e.metadata.eventId)).toEqual([...before, ...toA, ...toB].map((e) => e.metadata.eventId));
        expect(isIncreasing(got.map((e) => e.position))).toBe(true);
      });

      it('refusing one call leaves the ordinary appends made at the same time untouched', async () => {
        const taken = sid('busy-taken');
        await store.append(taken, events(1), 'no_stream');
        const outcomes = await Promise.allSettled([
          store.append(sid('busy-1'), events(1), 'no_stream'),
          appendToStreams([
            { streamId: sid('busy-2'), events: events(1), expectedRevision: 'no_stream' },
            { streamId: taken, events: events(1), expectedRevision: 'no_stream' },
          ]),
          store.append(sid('busy-3'), events(2), 'no_stream'),
          appendToStreams([
            { streamId: sid('busy-4'), events: events(1), expectedRevision: 'no_stream' },
            { streamId: taken, events: events(1), expectedRevision: 0n },
          ]),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(sid('busy-2'))).toEqual([]);
        expect(await store.readStream(sid('busy-3'))).toHaveLength(2);
        expect((await store.readStream(taken)).map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('racing ordinary appends on a shared stream: exactly one wins per revision, each call whole', async () => {
        const hot = sid('race-hot');
        const head = await store.headPosition();
        const writer = async (w: number, together: boolean): Promise<void> => {
          const event = newEvent('Written', { writer: w, together });
          const own = newEvent('Own', { writer: w });
          for (let attempt = 0; attempt < 300; attempt++) {
            const [last] = await store.readStream(hot, { direction: 'backwards', maxCount: 1 });
            const expected: ExpectedRevision = last ? last.revision : 'no_stream';
            try {
              if (together) {
                // a fresh event per attempt: a refused call must have written nothing to `own`
                await appendToStreams([
                  { streamId: hot, events: [event], expectedRevision: expected },
                  { streamId: sid(`race-own-${w}`), events: [own], expectedRevision: 'no_stream' },
                ]);
              } else {
                await store.append(hot, [event], expected);
              }
              return;
            } catch (e) {
              if (!(e instanceof WrongExpectedRevisionError) || e.streamId !== hot) throw e;
            }
          }
          throw new Error(`writer ${w} never won`);
        };
        await Promise.all(Array.from({ length: 40 }, (_, w) => writer(w, w % 2 === 0)));
        const read = await store.readStream(hot);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
        expect(new Set(read.map((e) => e.data['writer'])).size).toBe(40);
        const log = await store.readAll({ after: head, filter: { streamPrefixes: [sid('race-')] } });
        expect(log).toHaveLength(60);
        for (let w = 0; w < 40; w += 2) {
          const own = await store.readStream(sid(`race-own-${w}`));
          expect(own).toHaveLength(1);
          // the call's two events are adjacent in the log: the shared stream's, then its own
          const at = log.findIndex((e) => e.metadata.eventId === own[0]!.metadata.eventId);
          expect(log[at - 1]).toMatchObject({ streamId: hot, data: { writer: w } });
        }
      });
    });

    it('START is before every position', async () => {
      const r = await store.append(sid('start'), events(1), 'no_stream');
      expect(comparePositions(START, r.position)).toBeLessThan(0);
    });
  });
}
