/** The offering aggregate: its commands, state and pure decider. */
import {
  DomainRuleError,
  ForbiddenError,
  ValidationError,
  type Actor,
  type CatalogEvent,
  type Decider,
  type LocationData,
  type MoneyData,
  type OfferingKind,
  type ServiceScheduleData,
} from '@booking/shared-kernel';
import { validateSchedule } from './availability.js';

export type OfferingStatus = 'draft' | 'published' | 'retired';

export interface OfferingState {
  readonly exists: boolean;
  readonly offeringId: string;
  readonly providerId: string;
  readonly kind: OfferingKind;
  readonly title: string;
  readonly status: OfferingStatus;
  readonly price: MoneyData;
  readonly seatsPerSlot: number | null;
  readonly schedule: ServiceScheduleData | null;
}

export type OfferingCommand =
  | {
      type: 'CreateOffering';
      actor: Actor;
      offeringId: string;
      providerId: string;
      kind: OfferingKind;
      title: string;
      description: string;
      category: string;
      price: MoneyData;
      seatsPerSlot?: number;
      schedule?: ServiceScheduleData;
      location?: LocationData;
    }
  | {
      type: 'ChangeOfferingDetails';
      actor: Actor;
      title?: string;
      description?: string;
      category?: string;
      location?: LocationData;
    }
  | { type: 'ChangePrice'; actor: Actor; price: MoneyData }
  | { type: 'ChangeSchedule'; actor: Actor; schedule: ServiceScheduleData }
  | { type: 'ChangeSeats'; actor: Actor; seatsPerSlot: number }
  | { type: 'PublishOffering'; actor: Actor }
  | { type: 'RetireOffering'; actor: Actor };

export const initialOfferingState: OfferingState = {
  exists: false,
  offeringId: '',
  providerId: '',
  kind: 'product',
  title: '',
  status: 'draft',
  price: { amount: 0, currency: 'EUR' },
  seatsPerSlot: null,
  schedule: null,
};

/** Only the owning provider or an admin may change an offering. */
export function assertOwner(actor: Actor, state: OfferingState): void {
  if (actor.role === 'admin') return;
  if (actor.role === 'provider' && actor.id === state.providerId) return;
  throw new ForbiddenError('only the offering’s provider or an admin may change it');
}

function assertScheduleValid(schedule: ServiceScheduleData): void {
  const problems = validateSchedule(schedule);
  if (problems.length > 0) {
    throw new ValidationError(
      'invalid schedule',
      undefined,
      problems.map((p) => ({ field: `schedule.${p.field}`, message: p.message })),
    );
  }
}

function assertPrice(price: MoneyData): void {
  if (price.amount < 0) throw new ValidationError('price must not be negative', 'price.amount');
  if (!Number.isSafeInteger(price.amount))
    throw new ValidationError('price must be a safe integer of minor units', 'price.amount');
}

export function decideOffering(command: OfferingCommand, state: OfferingState): CatalogEvent[] {
  if (command.type === 'CreateOffering') {
    if (state.exists) throw new DomainRuleError('offering-exists', 'this offering already exists');
    if (
      command.actor.role !== 'admin' &&
      !(command.actor.role === 'provider' && command.actor.id === command.providerId)
    ) {
      throw new ForbiddenError('providers create offerings for themselves only');
    }
    assertPrice(command.price);
    if (command.kind === 'service') {
      if (!command.schedule) throw new ValidationError('a service needs a schedule', 'schedule');
      if (!command.seatsPerSlot) throw new ValidationError('a service needs seatsPerSlot', 'seatsPerSlot');
      assertScheduleValid(command.schedule);
    } else if (command.schedule || command.seatsPerSlot) {
      throw new ValidationError(
        'a product has stock, not a schedule or seats',
        command.schedule ? 'schedule' : 'seatsPerSlot',
      );
    }
    const { type: _t, actor: _a, ...data } = command;
    return [{ type: 'OfferingCreated', data }];
  }
  if (!state.exists) throw new DomainRuleError('offering-not-found', 'no such offering');
  assertOwner(command.actor, state);
  const offeringId = state.offeringId;
  if (state.status === 'retired') throw new DomainRuleError('offering-retired', 'a retired offering cannot change');
  switch (command.type) {
    case 'ChangeOfferingDetails': {
      const { type: _t, actor: _a, ...changes } = command;
      if (Object.values(changes).every((v) => v === undefined)) return [];
      return [{ type: 'OfferingDetailsChanged', data: { offeringId, ...changes } }];
    }
    case 'ChangePrice':
      assertPrice(command.price);
      if (command.price.currency !== state.price.currency) {
        throw new ValidationError(`the offering is priced in ${state.price.currency}`, 'price.currency');
      }
      if (command.price.amount === state.price.amount) return [];
      return [{ type: 'OfferingPriceChanged', data: { offeringId, price: command.price } }];
    case 'ChangeSchedule':
      if (state.kind !== 'service') throw new DomainRuleError('not-a-service', 'only services have a schedule');
      assertScheduleValid(command.schedule);
      return [{ type: 'OfferingScheduleChanged', data: { offeringId, schedule: command.schedule } }];
    case 'ChangeSeats':
      if (state.kind !== 'service') throw new DomainRuleError('not-a-service', 'only services have seats per slot');
      if (command.seatsPerSlot === state.seatsPerSlot) return [];
      return [{ type: 'OfferingSeatsChanged', data: { offeringId, seatsPerSlot: command.seatsPerSlot } }];
    case 'PublishOffering':
      if (state.status === 'published') return [];
      return [{ type: 'OfferingPublished', data: { offeringId } }];
    case 'RetireOffering':
      return [{ type: 'OfferingRetired', data: { offeringId } }];
  }
}

export function evolveOffering(state: OfferingState, event: CatalogEvent): OfferingState {
  switch (event.type) {
    case 'OfferingCreated': {
      const d = event.data;
      return {
        exists: true,
        offeringId: d.offeringId,
        providerId: d.providerId,
        kind: d.kind,
        title: d.title,
        status: 'draft',
        price: d.price,
        seatsPerSlot: d.seatsPerSlot ?? null,
        schedule: d.schedule ?? null,
      };
    }
    case 'OfferingDetailsChanged':
      return { ...state, title: event.data.title ?? state.title };
    case 'OfferingPriceChanged':
      return { ...state, price: event.data.price };
    case 'OfferingScheduleChanged':
      return { ...state, schedule: event.data.schedule };
    case 'OfferingSeatsChanged':
      return { ...state, seatsPerSlot: event.data.seatsPerSlot };
    case 'OfferingPublished':
      return { ...state, status: 'published' };
    case 'OfferingRetired':
      return { ...state, status: 'retired' };
  }
}

export const offeringDecider: Decider<OfferingCommand, OfferingState, CatalogEvent> = {
  initialState: initialOfferingState,
  decide: decideOffering,
  evolve: evolveOffering,
};
