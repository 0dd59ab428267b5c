import 'reflect-metadata';
import { IsInt, IsString, Length, Min } from 'class-validator';
import { describe, expect, it } from 'vitest';
import {
  defineEvent,
  EventCatalogue,
  eventCatalogue,
  MalformedEventError,
  UnknownEventTypeError,
  type DomainEvent,
} from '../src/events/index.js';
import type { RecordedEvent } from '../src/ports/event-store.js';
import { sampleOf, validSamples } from './fixtures/event-samples.js';

// ----- a test-only event type: version 2, with an upcaster from version 1 ------------------------

/**
 * v1 was `{ who: string, seats: number }`; v2 renamed `who` to `guestName` and added
 * `language` (v1 events were all English).
 */
class GuestArrivedV2 {
  @IsString() @Length(1, 50) guestName!: string;
  @IsInt() @Min(1) seats!: number;
  @IsString() @Length(2, 2) language!: string;
}

const upcastV1 = (data: Record<string, unknown>): Record<string, unknown> => {
  const { who, ...rest } = data;
  return { ...rest, guestName: who, language: 'en' };
};

function testCatalogue(): EventCatalogue {
  return new EventCatalogue().register(
    defineEvent('GuestArrived', GuestArrivedV2, { version: 2, upcasters: { 1: upcastV1 } }),
  );
}

function recorded(
  type: string,
  data: Record<string, unknown>,
  schemaVersion: number,
  streamId = 'guest-42',
  revision = 7n,
): RecordedEvent {
  return {
    type,
    data,
    streamId,
    revision,
    position: { commit: 100n, prepare: 100n },
    metadata: {
      eventId: '01900000-0000-7000-8000-00000000e001',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { id: 'tester', role: 'system' },
      schemaVersion,
      recordedAt: '2030-01-01T00:00:00.000Z',
    },
  };
}

function decodeError(catalogue: EventCatalogue, event: RecordedEvent): Error {
  try {
    catalogue.decode(event);
  } catch (err) {
    return err as Error;
  }
  throw new Error('decode did not throw');
}

describe('decoding with upcasters', () => {
  it('a stored v1 event decodes to v2 data', () => {
    const decoded = testCatalogue().decode(recorded('GuestArrived', { who: 'Ada', seats: 2 }, 1));
    expect(decoded.data).toEqual({ guestName: 'Ada', seats: 2, language: 'en' });
  });

  it('a stored v2 event is not upcast', () => {
    const decoded = testCatalogue().decode(recorded('GuestArrived', { guestName: 'Ada', seats: 2, language: 'fr' }, 2));
    expect(decoded.data).toEqual({ guestName: 'Ada', seats: 2, language: 'fr' });
  });

  it('keeps type, stream, revision, position and metadata', () => {
    const event = recorded('GuestArrived', { who: 'Ada', seats: 2 }, 1, 'guest-9', 3n);
    const decoded = testCatalogue().decode(event);
    expect(decoded).toMatchObject({
      type: 'GuestArrived',
      streamId: 'guest-9',
      revision: 3n,
      position: event.position,
      metadata: event.metadata,
    });
  });

  it('does not rewrite the stored data', () => {
    const stored = { who: 'Ada', seats: 2 };
    testCatalogue().decode(recorded('GuestArrived', stored, 1));
    expect(stored).toEqual({ who: 'Ada', seats: 2 });
  });

  it('chains upcasters in order (v1 -> v2 -> v3)', () => {
    class V3 {
      @IsString() name!: string;
      @IsInt() step!: number;
    }
    const catalogue = new EventCatalogue().register(
      defineEvent('Stepped', V3, {
        version: 3,
        upcasters: {
          1: (d) => ({ name: d.name, step: 1 }),
          2: (d) => ({ ...d, step: Number(d.step) * 10 }),
        },
      }),
    );
    expect(catalogue.decode(recorded('Stepped', { name: 'x' }, 1)).data).toEqual({ name: 'x', step: 10 });
    expect(catalogue.decode(recorded('Stepped', { name: 'x', step: 2 }, 2)).data).toEqual({ name: 'x', step: 20 });
    expect(catalogue.decode(recorded('Stepped', { name: 'x', step: 2 }, 3)).data).toEqual({ name: 'x', step: 2 });
  });
});

describe('decoding errors', () => {
  it('an unknown type -> UnknownEventTypeError naming stream and revision', () => {
    const error = decodeError(testCatalogue(), recorded('GuestLeft', { who: 'Ada' }, 1, 'guest-42', 7n));
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(error.message).toContain('guest-42');
    expect(error.message).toContain('revision 7');
    expect(error.message).toContain('GuestLeft');
    expect(error).toMatchObject({ streamId: 'guest-42', revision: 7n, type: 'GuestLeft' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing field', { guestName: 'Ada', language: 'en' }, 'seats'],
    ['a field of the wrong type', { guestName: 'Ada', seats: 'two', language: 'en' }, 'seats'],
    ['a value out of range', { guestName: 'Ada', seats: 0, language: 'en' }, 'seats'],
    ['an extra field', { guestName: 'Ada', seats: 2, language: 'en', vip: true }, 'vip'],
  ])('%s -> MalformedEventError naming stream, revision and field', (_case, data, field) => {
    const error = decodeError(testCatalogue(), recorded('GuestArrived', data, 2, 'guest-42', 11n));
    expect(error).toBeInstanceOf(MalformedEventError);
    const malformed = error as MalformedEventError;
    expect(malformed.message).toContain('guest-42');
    expect(malformed.message).toContain('revision 11');
    expect(malformed.message).toContain('GuestArrived');
    expect(malformed.message).toContain(field);
    expect(malformed.problems.some((p) => p.startsWith(`${field}: `))).toBe(true);
    expect(malformed).toMatchObject({ streamId: 'guest-42', revision: 11n, type: 'GuestArrived' });
  });

  it('v1 data that is malformed after upcasting -> MalformedEventError naming the v2 field', () => {
    const error = decodeError(testCatalogue(), recorded('GuestArrived', { seats: 2 }, 1));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).problems.some((p) => p.startsWith('guestName: '))).toBe(true);
  });

  it('a nested field is named with its path', () => {
    const data = { ...validSamples.PaymentSucceeded, amount: { amount: 12.5, currency: 'EUR' } };
    const error = decodeError(eventCatalogue, recorded('PaymentSucceeded', data, 1, 'payment-1', 4n));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect(error.message).toContain('payment-1');
    expect(error.message).toContain('revision 4');
    expect(error.message).toContain('amount.amount');
  });

  it('a missing nested object is refused', () => {
    const { amount: _amount, ...data } = validSamples.PaymentSucceeded;
    const error = decodeError(eventCatalogue, recorded('PaymentSucceeded', data, 1));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).problems.some((p) => p.startsWith('amount'))).toBe(true);
  });

  it.each([0, 3, -1, 1.5, Number.NaN])('schema version %s out of range -> MalformedEventError', (version) => {
    const error = decodeError(
      testCatalogue(),
      recorded('GuestArrived', { guestName: 'Ada', seats: 2, language: 'en' }, version, 'guest-42', 5n),
    );
    expect(error).toBeInstanceOf(MalformedEventError);
    expect(error.message).toContain('guest-42');
    expect(error.message).toContain('revision 5');
    expect(error.message).toMatch(/schema version .* is not between 1 and 2/);
  });
});

describe('registering event types', () => {
  it('the same type twice throws (in one call or across calls)', () => {
    const def = defineEvent('GuestArrived', GuestArrivedV2, { version: 2, upcasters: { 1: upcastV1 } });
    expect(() => new EventCatalogue().register(def, def)).toThrow(/GuestArrived declared twice/);
    expect(() => testCatalogue().register(def)).toThrow(/GuestArrived declared twice/);
  });

  it('a v2 without an upcaster from v1 throws', () => {
    expect(() => new EventCatalogue().register(defineEvent('GuestArrived', GuestArrivedV2, { version: 2 }))).toThrow(
      /GuestArrived: no upcaster from version 1/,
    );
  });

  it('a v3 missing the upcaster from v2 throws', () => {
    expect(() =>
      new EventCatalogue().register(
        defineEvent('GuestArrived', GuestArrivedV2, { version: 3, upcasters: { 1: upcastV1 } }),
      ),
    ).toThrow(/no upcaster from version 2/);
  });

  it('defineEvent defaults to version 1 without upcasters', () => {
    const def = defineEvent('GuestArrived', GuestArrivedV2);
    expect(def.version).toBe(1);
    expect(def.upcasters).toEqual({});
  });

  it('has / types / currentVersion', () => {
    const catalogue = testCatalogue();
    expect(catalogue.has('GuestArrived')).toBe(true);
    expect(catalogue.has('GuestLeft')).toBe(false);
    expect(catalogue.types()).toEqual(['GuestArrived']);
    expect(catalogue.currentVersion('GuestArrived')).toBe(2);
    expect(() => catalogue.currentVersion('GuestLeft')).toThrow(/unknown event type GuestLeft/);
  });
});

describe('problems()', () => {
  it('is empty for valid data', () => {
    expect(testCatalogue().problems('GuestArrived', { guestName: 'Ada', seats: 1, language: 'en' })).toEqual([]);
  });

  it('names an unknown type', () => {
    expect(testCatalogue().problems('GuestLeft', {})).toEqual(['unknown event type GuestLeft']);
  });

  it.each([null, 'text', 42, undefined])('refuses non-object data %s', (data) => {
    expect(testCatalogue().problems('GuestArrived', data)).toEqual(['data must be an object']);
  });

  it('lists every problem with its field', () => {
    const problems = testCatalogue().problems('GuestArrived', { seats: -1, language: 'english', extra: 1 });
    const fields = problems.map((p) => p.split(':')[0]);
    expect(new Set(fields)).toEqual(new Set(['guestName', 'seats', 'language', 'extra']));
  });
});

// ----- every real event type, with one valid sample (fixtures/event-samples.ts) -----------------

describe('the real catalogue', () => {
  it('has a valid sample for every event type (a new type without a sample fails here)', () => {
    expect(Object.keys(validSamples).sort()).toEqual(eventCatalogue.types().sort());
  });

  it.each(eventCatalogue.types())('%s: the sample passes problems()', (type) => {
    const sample = sampleOf(type);
    expect(sample, `no sample for ${type}`).toBeDefined();
    expect(eventCatalogue.problems(type, sample)).toEqual([]);
  });

  it.each(eventCatalogue.types())('%s: the sample decodes at its current version', (type) => {
    const sample = sampleOf(type)!;
    const decoded = eventCatalogue.decode(recorded(type, sample, eventCatalogue.currentVersion(type), 'stream-x', 0n));
    expect(decoded.data).toEqual(sample);
  });

  it.each(eventCatalogue.types())('%s: an unknown extra field is refused', (type) => {
    const sample = sampleOf(type)!;
    expect(eventCatalogue.problems(type, { ...sample, injected: 'x' })).toEqual([expect.stringMatching(/^injected: /)]);
  });

  it.each(eventCatalogue.types())('%s: an empty object is refused', (type) => {
    expect(eventCatalogue.problems(type, {}).length).toBeGreaterThan(0);
  });

  it.each<[DomainEvent['type'], string]>([
    ['OfferingCreated', 'price'],
    ['OfferingPriceChanged', 'price'],
    ['OfferingScheduleChanged', 'schedule'],
    ['BookingPlaced', 'unitPrice'],
    ['BookingPlaced', 'total'],
    ['BookingPlaced', 'attribution'],
    ['BookingRescheduled', 'from'],
    ['BookingRescheduled', 'to'],
    ['PaymentStarted', 'amount'],
    ['PaymentSucceeded', 'amount'],
    ['PaymentRefunded', 'amount'],
    ['PaymentMarkedPaid', 'amount'],
  ])('%s: a missing nested %s is refused', (type, field) => {
    const { [field]: _gone, ...data } = sampleOf(type)!;
    expect(eventCatalogue.problems(type, data)).toEqual([expect.stringMatching(new RegExp(`^${field}: `))]);
  });

  const nestedObjects = eventCatalogue.types().flatMap((type) =>
    Object.entries(sampleOf(type) ?? {})
      .filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value))
      .map(([field]) => [type, field] as const),
  );

  it.each(nestedObjects)('%s: an array in place of the object %s is refused', (type, field) => {
    const data = { ...sampleOf(type), [field]: [] };
    expect(eventCatalogue.problems(type, data).some((p) => p.startsWith(`${field}: `))).toBe(true);
  });
});
