/**
 * An event is validated once per process: the catalogue remembers the exact content it found
 * valid under the event's id, and decodes of that same content reuse the verdict. Other
 * content under the same id is validated again, and consumers never share (or can change)
 * what the catalogue remembers.
 */
import 'reflect-metadata';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { toNewEvents } from '../src/decider.js';
import {
  defineEvent,
  EventCatalogue,
  eventCatalogue,
  MalformedEventError,
  type DomainEvent,
} from '../src/events/index.js';
import type { RecordedEvent } from '../src/ports/event-store.js';
import { validSamples } from './fixtures/event-samples.js';

class GuestArrived {
  @IsString() @Length(1, 50) guestName!: string;
  @IsInt() @Min(1) seats!: number;
  @IsOptional() @IsString() note?: string;
}

const upcastV1 = (data: Record<string, unknown>): Record<string, unknown> => {
  const { who, ...rest } = data;
  return { ...rest, guestName: who };
};

function catalogue(memoCapacity?: number): EventCatalogue {
  return new EventCatalogue(memoCapacity === undefined ? {} : { memoCapacity }).register(
    defineEvent('GuestArrived', GuestArrived, { version: 2, upcasters: { 1: upcastV1 } }),
  );
}

const EVENT_ID = '01900000-0000-7000-8000-00000000e001';

/** the event as a store returns it: its own parse of the stored JSON */
function stored(data: object, eventId = EVENT_ID, schemaVersion = 2, type = 'GuestArrived'): RecordedEvent {
  return {
    type,
    data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
    streamId: 'guest-1',
    revision: 0n,
    position: { commit: 1n, prepare: 1n },
    metadata: {
      eventId,
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { id: 'tester', role: 'system' },
      schemaVersion,
      recordedAt: '2030-01-01T00:00:00.000Z',
    },
  };
}

function decodeError(c: EventCatalogue, event: RecordedEvent): unknown {
  try {
    c.decode(event);
  } catch (err) {
    return err;
  }
  throw new Error('decode did not throw');
}

const ada = { guestName: 'Ada', seats: 2 };

describe('validating each event once per process', () => {
  it('consumers decoding one event validate it twice at most: once to note it, once to pin it', () => {
    const c = catalogue();
    for (let i = 0; i < 6; i++) expect(c.decode(stored(ada)).data).toEqual(ada);
    expect(c.validationStats()).toEqual({ validated: 2, reused: 4 });
  });

  it('an event validated before append is not validated again when decoded', () => {
    const c = catalogue();
    expect(c.problemsBeforeAppend('GuestArrived', { ...ada, note: undefined }, EVENT_ID)).toEqual([]);
    // the store dropped the undefined field; the content is the same
    expect(c.decode(stored({ ...ada, note: undefined })).data).toEqual(ada);
    expect(c.decode(stored(ada)).data).toEqual(ada);
    expect(c.validationStats()).toEqual({ validated: 1, reused: 2 });
  });

  it('a malformed event is not remembered', () => {
    const c = catalogue();
    expect(c.problemsBeforeAppend('GuestArrived', { ...ada, seats: 0 }, EVENT_ID)).toEqual([
      expect.stringMatching(/^seats: /),
    ]);
    expect(decodeError(c, stored({ ...ada, seats: 0 }))).toBeInstanceOf(MalformedEventError);
    expect(decodeError(c, stored({ ...ada, seats: 0 }))).toBeInstanceOf(MalformedEventError);
  });

  it('other content under a remembered event id is validated again, and refused when malformed', () => {
    const c = catalogue();
    c.problemsBeforeAppend('GuestArrived', ada, EVENT_ID);
    for (const other of [{ ...ada, seats: 0 }, { ...ada, vip: true }, { guestName: 'Ada' }, { ...ada, seats: '2' }]) {
      const error = decodeError(c, stored(other));
      expect(error, JSON.stringify(other)).toBeInstanceOf(MalformedEventError);
      expect((error as MalformedEventError).revision).toBe(0n);
    }
    // valid other content is accepted (and validated)
    const before = c.validationStats().validated;
    expect(c.decode(stored({ ...ada, seats: 3 })).data).toEqual({ ...ada, seats: 3 });
    expect(c.validationStats().validated).toBe(before + 1);
  });

  it('the same id under another type is validated as that type', () => {
    class GuestCounted {
      @IsInt() seats!: number;
    }
    const c = new EventCatalogue().register(
      defineEvent('GuestArrived', GuestArrived),
      defineEvent('GuestCounted', GuestCounted),
    );
    c.problemsBeforeAppend('GuestArrived', ada, EVENT_ID);
    expect(decodeError(c, stored(ada, EVENT_ID, 1, 'GuestCounted'))).toBeInstanceOf(MalformedEventError);
  });

  it('a consumer changing its decoded data changes neither another consumer’s data nor what is remembered', () => {
    const c = catalogue();
    const first = c.decode(stored(ada));
    const second = c.decode(stored(ada)); // pins the content
    expect(second.data).not.toBe(first.data);
    (second.data as { seats: number }).seats = 0;
    expect(first.data).toEqual(ada);
    // the changed (malformed) content under the same id is not taken for the remembered one
    expect(decodeError(c, stored(second.data as object))).toBeInstanceOf(MalformedEventError);
    expect(c.decode(stored(ada)).data).toEqual(ada);
  });

  it('a decider’s event changed after append does not change what is remembered', () => {
    const c = catalogue();
    const data = { ...ada };
    c.problemsBeforeAppend('GuestArrived', data, EVENT_ID);
    data.seats = -5;
    expect(decodeError(c, stored(data))).toBeInstanceOf(MalformedEventError);
  });

  it('remembers the upcast content: an old version is upcast on every decode and validated once', () => {
    const c = catalogue();
    for (let i = 0; i < 4; i++) expect(c.decode(stored({ who: 'Ada', seats: 2 }, EVENT_ID, 1)).data).toEqual(ada);
    expect(c.validationStats()).toEqual({ validated: 2, reused: 2 });
    // upcast to malformed content: refused although the id is remembered
    expect(decodeError(c, stored({ who: '', seats: 2 }, EVENT_ID, 1))).toBeInstanceOf(MalformedEventError);
  });

  it('is bounded: it keeps the latest events (at least half its capacity) and forgets older ones', () => {
    const c = catalogue(4);
    const ids = [1, 2, 3, 4].map((n) => `01900000-0000-7000-8000-00000000e00${n}`);
    for (const id of ids) c.problemsBeforeAppend('GuestArrived', ada, id);
    c.decode(stored(ada, ids[3]));
    c.decode(stored(ada, ids[2]));
    expect(c.validationStats()).toEqual({ validated: 4, reused: 2 });
    c.decode(stored(ada, ids[0])); // forgotten: validated again
    c.decode(stored(ada, ids[1]));
    expect(c.validationStats()).toEqual({ validated: 6, reused: 2 });
  });

  it('with no capacity, every decode validates', () => {
    const c = catalogue(0);
    c.problemsBeforeAppend('GuestArrived', ada, EVENT_ID);
    for (let i = 0; i < 3; i++) c.decode(stored(ada));
    expect(c.validationStats()).toEqual({ validated: 4, reused: 0 });
  });

  it('the command side remembers what it appends: decoding it in this process reuses the verdict', () => {
    const events = [
      { type: 'BookingPlaced', data: validSamples.BookingPlaced },
      { type: 'CapacityReserved', data: validSamples.CapacityReserved },
    ] satisfies DomainEvent[];
    const ctx = { actor: { id: 'customer-1', role: 'customer' as const }, correlationId: 'c', causationId: 'c' };
    const clock = { now: () => new Date('2030-01-01T00:00:00.000Z') };
    const appended = toNewEvents(events, ctx, clock);
    const before = eventCatalogue.validationStats();
    appended.forEach((e, i) => {
      const recorded: RecordedEvent = {
        ...e,
        data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>,
        streamId: 's',
        revision: BigInt(i),
        position: { commit: 1n, prepare: 1n },
      };
      expect(eventCatalogue.decode(recorded).data).toEqual(events[i]!.data);
    });
    const after = eventCatalogue.validationStats();
    expect(after.validated - before.validated).toBe(0);
    expect(after.reused - before.reused).toBe(2);
  });
});
