/**
 * parseInput answers request bodies with a check compiled from the body classes' rules and
 * builds flat instances itself; class-validator (plainToInstance + validateSync) is the
 * reference. On every command body class, its valid sample and mutations of it (fields
 * removed, set to other values and types, extra keys, nested changes): the same instance
 * (same classes, nested ones too) or the same ValidationError, word for word.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { parseInput, validatedByClassValidator, ValidationError } from '@booking/shared-kernel';
import { CancelBookingBody, PlaceBookingBody, RescheduleBookingBody } from '../src/booking/booking-requests.js';
import {
  ChangeOfferingDetailsBody,
  ChangePriceBody,
  ChangeScheduleBody,
  ChangeSeatsBody,
  CreateOfferingBody,
  SetStockBody,
} from '../src/catalog/offering-requests.js';
import {
  AdminCreateUserBody,
  DecisionBody,
  EmailBody,
  LoginBody,
  LogoutBody,
  NotificationPreferencesBody,
  ProviderApplicationBody,
  ReasonBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  RoleBody,
  SocialLoginBody,
  TokenBody,
} from '../src/identity/identity-requests.js';
import { MarkPaidBody, RefundBody, SandboxConfirmBody, StartPaymentBody } from '../src/payment/payment-requests.js';

const UUID = '01900000-0000-7000-8000-00000000abcd';
const TOKEN = 't'.repeat(32);
const schedule = {
  timeZone: 'Europe/Paris',
  weeklyRules: [{ weekday: 1, windows: [{ start: '09:00', end: '12:00' }] }],
  overrides: [{ date: '2030-01-02', windows: [] }],
  closures: [{ from: '2030-02-01', to: '2030-02-03' }],
  durationMinutes: 60,
  slotIntervalMinutes: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 60,
  maxHorizonDays: 30,
};

/** every command body class with a body it accepts */
const SAMPLES: [new () => object, Record<string, unknown>][] = [
  [
    PlaceBookingBody,
    { offeringId: UUID, quantity: 2, slotStart: '2030-01-01T10:00:00.000Z', attribution: { utmSource: 'x' } },
  ],
  [CancelBookingBody, { reason: 'changed my mind' }],
  [RescheduleBookingBody, { slotStart: '2030-01-01T10:00:00Z' }],
  [
    CreateOfferingBody,
    {
      kind: 'service',
      title: 'Yoga',
      description: 'calm',
      category: 'sport',
      price: { amount: 1500, currency: 'EUR' },
      seatsPerSlot: 10,
      schedule,
      location: { address: '1 rue X', city: 'Paris', country: 'FR', lat: 48.8, lng: 2.3 },
      publish: true,
    },
  ],
  [ChangeOfferingDetailsBody, { title: 'New', description: '', category: 'c', location: { address: 'a' } }],
  [ChangePriceBody, { price: { amount: 100, currency: 'USD' } }],
  [ChangeScheduleBody, { schedule }],
  [ChangeSeatsBody, { seatsPerSlot: 3 }],
  [SetStockBody, { stock: 0 }],
  [RegisterBody, { email: 'a@example.com', password: 'p'.repeat(12), name: 'Ann' }],
  [LoginBody, { email: 'a@example.com', password: 'secret' }],
  [TokenBody, { token: TOKEN }],
  [EmailBody, { email: 'a@example.com' }],
  [ResetPasswordBody, { token: TOKEN, password: 'p'.repeat(12) }],
  [RefreshBody, { refreshToken: TOKEN }],
  [LogoutBody, { refreshToken: TOKEN }],
  [ProviderApplicationBody, { businessName: 'Shop', note: 'hello' }],
  [RoleBody, { role: 'provider' }],
  [ReasonBody, { reason: 'because' }],
  [DecisionBody, { decision: 'approved', reason: 'fine' }],
  [
    AdminCreateUserBody,
    {
      userId: 'u-1',
      email: 'a@example.com',
      name: 'Ann',
      password: 'p'.repeat(12),
      roles: ['customer'],
      emailVerified: true,
    },
  ],
  [SocialLoginBody, { idToken: TOKEN, nonce: 'n'.repeat(10), name: 'Ann' }],
  [NotificationPreferencesBody, { email: true, sms: false, phone: '+33612345678' }],
  [StartPaymentBody, { method: 'card' }],
  [SandboxConfirmBody, { cardNumber: '4242 4242 4242 4242' }],
  [MarkPaidBody, { reason: 'cash' }],
  [RefundBody, { amount: { amount: 100, currency: 'EUR' }, reason: 'late' }],
];

const VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  1.5,
  2 ** 53,
  '',
  'x',
  ' ',
  'a'.repeat(201),
  'a'.repeat(501),
  UUID,
  UUID.toUpperCase(),
  '2030-01-01T10:15:00.000Z',
  '2030-02-30T10:15:00.000Z',
  '2030-01-01',
  '09:00',
  'EUR',
  'eur',
  'a@example.com',
  '+33612345678',
  'card',
  'provider',
  [],
  ['customer'],
  ['customer', 'nobody'],
  {},
  { amount: 1, currency: 'EUR' },
  { utmSource: 1 },
  { address: 'a', extra: 1 },
];

type Json = Record<string, unknown>;

/** the sample and its mutations: each field removed and replaced, at every object depth */
function variants(sample: Json): unknown[] {
  const out: unknown[] = [sample, {}, { ...sample, unknownField: 1 }];
  const walk = (value: Json, set: (v: Json) => Json) => {
    for (const key of Object.keys(value)) {
      const { [key]: removed, ...rest } = value;
      out.push(set(rest));
      for (const v of VALUES) out.push(set({ ...value, [key]: v }));
      if (typeof removed === 'object' && removed !== null && !Array.isArray(removed)) {
        walk(removed as Json, (inner) => set({ ...value, [key]: inner }));
      }
      if (Array.isArray(removed) && typeof removed[0] === 'object' && removed[0] !== null) {
        walk(removed[0] as Json, (inner) => set({ ...value, [key]: [inner, ...removed.slice(1)] }));
        out.push(set({ ...value, [key]: [...removed, null] }));
      }
    }
    out.push(set({ ...value, extra: 'x' }));
  };
  walk(sample, (v) => v);
  return out;
}

type Outcome = { value: unknown } | { error: { message: string; field?: string; errors: unknown } };

function outcome(parse: () => object): Outcome {
  try {
    return { value: parse() };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { error: { message: err.message, errors: err.errors } };
  }
}

describe('request bodies: parseInput against class-validator', () => {
  it.each(SAMPLES.map(([schema, sample]) => [schema.name, schema, sample] as const))(
    '%s: same instance or same problems on the sample and its mutations',
    (_name, schema, sample) => {
      expect(outcome(() => parseInput(schema, sample))).toHaveProperty('value');
      const all = variants(sample);
      expect(all.length).toBeGreaterThan(30);
      for (const body of all) {
        // a copy per run: neither path may change the body, and neither sees the other's
        const ours = outcome(() => parseInput(schema, structuredClone(body)));
        const reference = outcome(() =>
          validatedByClassValidator(schema, structuredClone(body) as object, 'request body'),
        );
        // toStrictEqual also compares the classes of the instance and its nested objects
        expect(ours, JSON.stringify(body)).toStrictEqual(reference);
      }
    },
  );

  it('builds flat bodies without class-transformer, as an instance of the class', () => {
    const body = parseInput(PlaceBookingBody, { offeringId: UUID, quantity: 1 });
    expect(body).toBeInstanceOf(PlaceBookingBody);
    expect(body).toStrictEqual(Object.assign(new PlaceBookingBody(), { offeringId: UUID, quantity: 1 }));
  });
});
