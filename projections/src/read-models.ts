/**
 * The read models' document shapes: what projectors write and the read API serves.
 */
import type {
  Doc,
  LocationData,
  MoneyData,
  ServiceScheduleData,
  SlotData,
  AttributionData,
  CardData,
} from '@booking/shared-kernel';

export interface OfferingDoc extends Doc {
  providerId: string;
  kind: 'product' | 'service';
  title: string;
  description: string;
  category: string;
  price: MoneyData;
  status: 'draft' | 'published' | 'retired';
  seatsPerSlot: number | null;
  schedule: ServiceScheduleData | null;
  location: LocationData | null;
  /** products: unsold units, held by pending bookings, sold */
  stock: number;
  held: number;
  sold: number;
  searchText: string;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
}

/** One document per capacity stream: a product's inventory or a service slot. */
export interface CapacityDoc extends Doc {
  offeringId: string;
  kind: 'inventory' | 'slot';
  /** slots: UTC start */
  start: string | null;
  held: number;
  confirmed: number;
}

/** One document per (capacity stream, booking): what the booking holds there. Due holds
 *  are what the hold-expiry scheduler reads, so expiries survive restarts. */
export interface CapacityHoldDoc extends Doc {
  streamId: string;
  offeringId: string;
  bookingId: string;
  quantity: number;
  state: 'held' | 'confirmed' | 'released';
  expiresAt: string;
}

export interface TimelineEntry {
  status: string;
  at: string;
  by: string;
  note?: string;
}

export interface PaymentSummary {
  status: 'STARTED' | 'FAILED' | 'CANCELED' | 'SUCCEEDED';
  gateway: string;
  amount: MoneyData;
  refunded: number;
  card?: CardData;
  failureCode?: string;
  disputed?: boolean;
}

export interface BookingDoc extends Doc {
  customerId: string;
  providerId: string;
  offeringId: string;
  offeringTitle: string;
  kind: 'product' | 'service';
  quantity: number;
  slot: SlotData | null;
  total: MoneyData;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED' | 'COMPLETED' | 'NO_SHOW';
  holdExpiresAt: string;
  attribution: AttributionData;
  placedAt: string;
  updatedAt: string;
  timeline: TimelineEntry[];
  payment: PaymentSummary | null;
}

export interface PaymentDoc extends Doc {
  bookingId: string;
  customerId: string;
  providerId: string;
  amount: MoneyData;
  gateway: string;
  /** the gateway's intent (absent on payments marked paid) */
  intentId?: string;
  status: 'STARTED' | 'FAILED' | 'CANCELED' | 'SUCCEEDED';
  refunded: number;
  card?: CardData;
  attempts: { at: string; outcome: string; code?: string }[];
  refunds: { at: string; amount: MoneyData; reason: string }[];
  disputed?: boolean;
  disputes?: { at: string; disputeId: string; amount: MoneyData; reason: string }[];
  createdAt: string;
  updatedAt: string;
}
