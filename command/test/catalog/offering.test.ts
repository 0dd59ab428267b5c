import { describe, expect, it } from 'vitest';
import { ValidationError, type Actor, type CatalogEvent, type ServiceScheduleData } from '@booking/shared-kernel';
import { offeringDecider, type OfferingCommand } from '../../src/catalog/offering.js';
import { scenario } from '../support/given-when-then.js';

const spec = scenario(offeringDecider);

const OFFERING = '01900000-0000-7000-8000-000000000001';
const provider: Actor = { id: 'provider-1', role: 'provider' };
const otherProvider: Actor = { id: 'provider-2', role: 'provider' };
const admin: Actor = { id: 'admin-1', role: 'admin' };
const customer: Actor = { id: 'customer-1', role: 'customer' };
const system: Actor = { id: 'hold-expiry', role: 'system' };

function schedule(patch: Partial<ServiceScheduleData> = {}): ServiceScheduleData {
  return {
    timeZone: 'Europe/Paris',
    weeklyRules: [{ weekday: 1, windows: [{ start: '09:00', end: '12:00' }] }],
    overrides: [],
    closures: [],
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 120,
    maxHorizonDays: 90,
    ...patch,
  };
}

type Create = Extract<OfferingCommand, { type: 'CreateOffering' }>;

function createProduct(patch: Partial<Create> = {}): Create {
  return {
    type: 'CreateOffering',
    actor: provider,
    offeringId: OFFERING,
    providerId: provider.id,
    kind: 'product',
    title: 'Ceramic mug',
    description: 'Hand-thrown',
    category: 'kitchen',
    price: { amount: 1800, currency: 'EUR' },
    ...patch,
  };
}

function createService(patch: Partial<Create> = {}): Create {
  return createProduct({
    kind: 'service',
    title: 'Haircut',
    category: 'beauty',
    price: { amount: 3500, currency: 'EUR' },
    seatsPerSlot: 2,
    schedule: schedule(),
    ...patch,
  });
}

const productCreated: CatalogEvent = {
  type: 'OfferingCreated',
  data: {
    offeringId: OFFERING,
    providerId: provider.id,
    kind: 'product',
    title: 'Ceramic mug',
    description: 'Hand-thrown',
    category: 'kitchen',
    price: { amount: 1800, currency: 'EUR' },
  },
};

const serviceCreated: CatalogEvent = {
  type: 'OfferingCreated',
  data: {
    offeringId: OFFERING,
    providerId: provider.id,
    kind: 'service',
    title: 'Haircut',
    description: 'Hand-thrown',
    category: 'beauty',
    price: { amount: 3500, currency: 'EUR' },
    seatsPerSlot: 2,
    schedule: schedule(),
  },
};

const published: CatalogEvent = { type: 'OfferingPublished', data: { offeringId: OFFERING } };
const retired: CatalogEvent = { type: 'OfferingRetired', data: { offeringId: OFFERING } };

function fieldsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).errors.map((e) => e.field);
}

describe('CreateOffering', () => {
  it('a provider creates a product for themself', () => {
    spec.given([]).when(createProduct()).then([productCreated]);
  });

  it('a provider creates a service with its schedule and seats', () => {
    spec.given([]).when(createService()).then([serviceCreated]);
  });

  it('the created offering is a draft owned by the provider', () => {
    const state = spec.given([]).when(createService()).thenState();
    expect(state).toMatchObject({
      exists: true,
      offeringId: OFFERING,
      providerId: 'provider-1',
      kind: 'service',
      status: 'draft',
      seatsPerSlot: 2,
      schedule: schedule(),
      price: { amount: 3500, currency: 'EUR' },
    });
  });

  it('a product keeps the optional location', () => {
    const location = { address: '1 rue de Rivoli', city: 'Paris', country: 'FR' };
    const [event] = spec.given([]).when(createProduct({ location })).events();
    expect(event).toEqual({ type: 'OfferingCreated', data: { ...productCreated.data, location } });
  });

  it('a free offering (price 0) is allowed', () => {
    const [event] = spec
      .given([])
      .when(createProduct({ price: { amount: 0, currency: 'EUR' } }))
      .events();
    expect(event?.type).toBe('OfferingCreated');
  });

  it('an admin creates an offering for any provider', () => {
    const [event] = spec
      .given([])
      .when(createProduct({ actor: admin, providerId: 'provider-9' }))
      .events();
    expect(event).toEqual({ type: 'OfferingCreated', data: { ...productCreated.data, providerId: 'provider-9' } });
  });

  it('a provider cannot create an offering for another provider', () => {
    spec
      .given([])
      .when(createProduct({ actor: otherProvider }))
      .thenThrows('forbidden', { kind: 'forbidden' });
  });

  it.each([
    ['customer', customer],
    ['system', system],
  ])('a %s cannot create an offering', (_role, actor) => {
    spec
      .given([])
      .when(createProduct({ actor, providerId: actor.id }))
      .thenThrows('forbidden', { kind: 'forbidden' });
  });

  it('a service needs a schedule', () => {
    const error = spec
      .given([])
      .when(createService({ schedule: undefined }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['schedule']);
  });

  it('a service needs seats per slot', () => {
    const error = spec
      .given([])
      .when(createService({ seatsPerSlot: undefined }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['seatsPerSlot']);
  });

  it('a product has no schedule', () => {
    const error = spec
      .given([])
      .when(createProduct({ schedule: schedule() }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['schedule']);
  });

  it('a product has no seats per slot', () => {
    const error = spec
      .given([])
      .when(createProduct({ seatsPerSlot: 3 }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['seatsPerSlot']);
  });

  it('an invalid schedule is a ValidationError naming every schedule.<field>', () => {
    const bad = schedule({
      timeZone: 'Mars/Olympus_Mons',
      weeklyRules: [{ weekday: 1, windows: [{ start: '12:00', end: '09:00' }] }],
      durationMinutes: 0,
    });
    const error = spec
      .given([])
      .when(createService({ schedule: bad }))
      .thenThrows('validation', { kind: 'validation' });
    expect(fieldsOf(error)).toEqual([
      'schedule.timeZone',
      'schedule.weeklyRules[0].windows[0].end',
      'schedule.durationMinutes',
    ]);
    expect((error as ValidationError).errors[0]?.message).toMatch(/time zone/);
  });

  it('overlapping windows are refused with the field of the later window', () => {
    const bad = schedule({
      weeklyRules: [
        {
          weekday: 2,
          windows: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
      ],
    });
    const error = spec
      .given([])
      .when(createService({ schedule: bad }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['schedule.weeklyRules[0].windows[1]']);
  });

  it('a negative price is refused', () => {
    const error = spec
      .given([])
      .when(createProduct({ price: { amount: -1, currency: 'EUR' } }))
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['price.amount']);
  });

  it('an offering cannot be created twice', () => {
    spec.given([productCreated]).when(createProduct()).thenThrows('offering-exists', { kind: 'domain-rule' });
  });
});

describe('changing an offering', () => {
  const changes: [string, OfferingCommand][] = [
    ['ChangeOfferingDetails', { type: 'ChangeOfferingDetails', actor: provider, title: 'New title' }],
    ['ChangePrice', { type: 'ChangePrice', actor: provider, price: { amount: 4000, currency: 'EUR' } }],
    ['ChangeSchedule', { type: 'ChangeSchedule', actor: provider, schedule: schedule({ durationMinutes: 30 }) }],
    ['ChangeSeats', { type: 'ChangeSeats', actor: provider, seatsPerSlot: 5 }],
    ['PublishOffering', { type: 'PublishOffering', actor: provider }],
    ['RetireOffering', { type: 'RetireOffering', actor: provider }],
  ];

  it.each(changes)('%s of an unknown offering -> offering-not-found', (_name, command) => {
    spec.given([]).when(command).thenThrows('offering-not-found');
  });

  it.each(changes)('%s by another provider -> ForbiddenError', (_name, command) => {
    spec
      .given([serviceCreated])
      .when({ ...command, actor: otherProvider })
      .thenThrows('forbidden', { kind: 'forbidden' });
  });

  it.each(changes)('%s by a customer -> ForbiddenError', (_name, command) => {
    spec
      .given([serviceCreated])
      .when({ ...command, actor: customer })
      .thenThrows('forbidden', { kind: 'forbidden' });
  });

  it.each(changes)('%s by the owner succeeds', (_name, command) => {
    expect(spec.given([serviceCreated]).when(command).events()).toHaveLength(1);
  });

  it.each(changes)('%s by an admin succeeds', (_name, command) => {
    expect(
      spec
        .given([serviceCreated])
        .when({ ...command, actor: admin })
        .events(),
    ).toHaveLength(1);
  });

  it.each(changes)('%s of a retired offering -> offering-retired', (_name, command) => {
    spec
      .given([serviceCreated, published, retired])
      .when(command)
      .thenThrows('offering-retired', { kind: 'domain-rule' });
  });

  it('ownership is checked before the retired state (another provider learns nothing)', () => {
    spec
      .given([serviceCreated, retired])
      .when({ type: 'PublishOffering', actor: otherProvider })
      .thenThrows('forbidden');
  });
});

describe('ChangeOfferingDetails', () => {
  it('records only the given fields', () => {
    spec
      .given([productCreated])
      .when({ type: 'ChangeOfferingDetails', actor: provider, title: 'Big mug', category: 'home' })
      .then([{ type: 'OfferingDetailsChanged', data: { offeringId: OFFERING, title: 'Big mug', category: 'home' } }]);
  });

  it('the new title is in the state', () => {
    const state = spec
      .given([productCreated])
      .when({ type: 'ChangeOfferingDetails', actor: provider, title: 'Big mug' })
      .thenState();
    expect(state.title).toBe('Big mug');
  });

  it('a description change keeps the title', () => {
    const state = spec
      .given([productCreated])
      .when({ type: 'ChangeOfferingDetails', actor: provider, description: 'Now glazed' })
      .thenState();
    expect(state.title).toBe('Ceramic mug');
  });

  it('no change -> no event', () => {
    spec.given([productCreated]).when({ type: 'ChangeOfferingDetails', actor: provider }).thenNothing();
  });
});

describe('ChangePrice', () => {
  it('records the new price', () => {
    spec
      .given([productCreated])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 2000, currency: 'EUR' } })
      .then([
        { type: 'OfferingPriceChanged', data: { offeringId: OFFERING, price: { amount: 2000, currency: 'EUR' } } },
      ]);
  });

  it('the state carries the new price, and setting it again is a no-op', () => {
    const changed: CatalogEvent = {
      type: 'OfferingPriceChanged',
      data: { offeringId: OFFERING, price: { amount: 2000, currency: 'EUR' } },
    };
    expect(spec.given([productCreated, changed]).state.price).toEqual({ amount: 2000, currency: 'EUR' });
    spec
      .given([productCreated, changed])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 2000, currency: 'EUR' } })
      .thenNothing();
    spec
      .given([productCreated, changed])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 1800, currency: 'EUR' } })
      .then([
        { type: 'OfferingPriceChanged', data: { offeringId: OFFERING, price: { amount: 1800, currency: 'EUR' } } },
      ]);
  });

  it('the currency must stay the same', () => {
    const error = spec
      .given([productCreated])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 1800, currency: 'USD' } })
      .thenThrows('validation', { message: 'EUR' });
    expect(fieldsOf(error)).toEqual(['price.currency']);
  });

  it('a negative price is refused', () => {
    const error = spec
      .given([productCreated])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: -100, currency: 'EUR' } })
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['price.amount']);
  });

  it('an unchanged price -> no event', () => {
    spec
      .given([productCreated])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 1800, currency: 'EUR' } })
      .thenNothing();
  });
});

describe('ChangeSchedule', () => {
  it('records the new schedule of a service', () => {
    const next = schedule({ weeklyRules: [{ weekday: 3, windows: [{ start: '14:00', end: '18:00' }] }] });
    spec
      .given([serviceCreated])
      .when({ type: 'ChangeSchedule', actor: provider, schedule: next })
      .then([{ type: 'OfferingScheduleChanged', data: { offeringId: OFFERING, schedule: next } }]);
    expect(
      spec.given([serviceCreated, { type: 'OfferingScheduleChanged', data: { offeringId: OFFERING, schedule: next } }])
        .state.schedule,
    ).toEqual(next);
  });

  it('a product has no schedule -> not-a-service', () => {
    spec
      .given([productCreated])
      .when({ type: 'ChangeSchedule', actor: provider, schedule: schedule() })
      .thenThrows('not-a-service');
  });

  it('an invalid schedule -> ValidationError naming schedule.<field>', () => {
    const error = spec
      .given([serviceCreated])
      .when({
        type: 'ChangeSchedule',
        actor: provider,
        schedule: schedule({ closures: [{ from: '2030-02-10', to: '2030-02-01' }] }),
      })
      .thenThrows('validation');
    expect(fieldsOf(error)).toEqual(['schedule.closures[0].to']);
  });
});

describe('ChangeSeats', () => {
  it('records the new seats of a service', () => {
    spec
      .given([serviceCreated])
      .when({ type: 'ChangeSeats', actor: provider, seatsPerSlot: 4 })
      .then([{ type: 'OfferingSeatsChanged', data: { offeringId: OFFERING, seatsPerSlot: 4 } }]);
  });

  it('the same number of seats -> no event', () => {
    spec.given([serviceCreated]).when({ type: 'ChangeSeats', actor: provider, seatsPerSlot: 2 }).thenNothing();
    const changed: CatalogEvent = { type: 'OfferingSeatsChanged', data: { offeringId: OFFERING, seatsPerSlot: 4 } };
    spec.given([serviceCreated, changed]).when({ type: 'ChangeSeats', actor: provider, seatsPerSlot: 4 }).thenNothing();
  });

  it('a product has no seats -> not-a-service', () => {
    spec
      .given([productCreated])
      .when({ type: 'ChangeSeats', actor: provider, seatsPerSlot: 4 })
      .thenThrows('not-a-service');
  });
});

describe('PublishOffering', () => {
  it('publishes a draft', () => {
    spec.given([productCreated]).when({ type: 'PublishOffering', actor: provider }).then([published]);
    expect(spec.given([productCreated, published]).state.status).toBe('published');
  });

  it('publishing twice -> no event', () => {
    spec.given([productCreated, published]).when({ type: 'PublishOffering', actor: provider }).thenNothing();
  });
});

describe('RetireOffering', () => {
  it('retires a draft or a published offering', () => {
    spec.given([productCreated]).when({ type: 'RetireOffering', actor: provider }).then([retired]);
    spec.given([productCreated, published]).when({ type: 'RetireOffering', actor: admin }).then([retired]);
    expect(spec.given([productCreated, published, retired]).state.status).toBe('retired');
  });

  it('a price change after retirement -> offering-retired, even if unchanged', () => {
    spec
      .given([productCreated, retired])
      .when({ type: 'ChangePrice', actor: provider, price: { amount: 1800, currency: 'EUR' } })
      .thenThrows('offering-retired');
  });

  it('an empty details change after retirement -> offering-retired', () => {
    spec
      .given([productCreated, retired])
      .when({ type: 'ChangeOfferingDetails', actor: admin })
      .thenThrows('offering-retired');
  });
});
