/** Shapes of the platform's JSON API as the UI uses them. */

export type Role = 'customer' | 'provider' | 'admin' | 'analyst';

export interface DemoUser {
  id: string;
  role: Role;
  name: string;
  email: string;
}

/** Who is signed in, as the identity API describes an account. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** the primary role (the one pages are chosen by) */
  role: Role;
  roles: Role[];
  emailVerified?: boolean;
  status?: 'active' | 'suspended';
}

/** What login, refresh, social and demo sign-in answer with. */
export interface SessionTokens {
  accessToken: string;
  tokenType: 'Bearer';
  /** seconds */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: SessionUser;
}

export interface NotificationPreferences {
  email: boolean;
  sms: boolean;
  phone: string | null;
}

/** GET /api/config: what is configured, public by nature. */
export interface ClientConfig {
  signIn: { google: { clientId: string } | null; apple: { clientId: string } | null };
  tiktokPixel: { pixelCode: string; purchaseEventName: 'Purchase' | 'CompletePayment' } | null;
  maps: { browserKey: string } | null;
  demoSignIn: boolean;
}

/** GET /api/payments/config; `paypal` only when PayPal is configured. */
export interface PaymentsConfig {
  gateway: string;
  publishableKey: string | null;
  sandbox: boolean;
  paypal?: { clientId: string } | null;
}

export interface Receipt {
  id: string;
  number: string;
  kind?: 'receipt' | 'credit-note' | string;
  bookingId: string;
  issuedAt: string;
  total?: Money;
  pdf: string;
}

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  status: 'active' | 'suspended';
  emailVerified: boolean;
  signUpMethod?: string;
  providerApplication: {
    status: 'pending' | 'approved' | 'rejected';
    businessName: string;
    note?: string;
    submittedAt: string;
  } | null;
  createdAt: string;
  updatedAt?: string;
  lastLoginAt: string | null;
  suspendedReason?: string;
}

export interface AuditActor {
  id: string;
  role: string;
  [key: string]: unknown;
}

export interface AuditEvent {
  streamId: string;
  revision: string;
  position: string;
  type: string;
  data: Record<string, unknown>;
  eventId: string;
  correlationId: string;
  causationId: string;
  actor: AuditActor;
  schemaVersion: number;
  recordedAt: string;
}

export interface AuditChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface Money {
  /** integer minor units (cents) */
  amount: number;
  currency: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Location {
  address: string;
  city?: string;
  country?: string;
  lat?: number;
  lng?: number;
  /** Google place id, when the address was picked through /api/geo */
  placeId?: string;
}

export interface TimeWindow {
  start: string;
  end: string;
}

export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface WeeklyRule {
  weekday: Weekday;
  windows: TimeWindow[];
}

export interface Schedule {
  timeZone: string;
  weeklyRules: WeeklyRule[];
  overrides: { date: string; windows: TimeWindow[] }[];
  closures: { from: string; to: string }[];
  durationMinutes: number;
  slotIntervalMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  maxHorizonDays: number;
}

export type OfferingKind = 'product' | 'service';
export type OfferingStatus = 'draft' | 'published' | 'retired';

export interface OfferingSummary {
  id: string;
  providerId: string;
  kind: OfferingKind;
  title: string;
  description: string;
  category: string;
  price: Money;
  status: OfferingStatus;
  seatsPerSlot: number | null;
  location: Location | null;
  stock: number;
  held: number;
  sold: number;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
  /** products */
  available?: number;
  /** services, in catalog listings */
  timeZone?: string | null;
}

export interface Slot {
  start: string;
  end: string;
  seats: number;
  seatsLeft: number;
}

export interface OfferingDetail extends OfferingSummary {
  schedule: Schedule | null;
  slots?: Slot[];
  range?: { from: string; to: string };
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED' | 'COMPLETED' | 'NO_SHOW';

export interface Attribution {
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  ttclid?: string;
}

export interface TimelineEntry {
  status: string;
  at: string;
  by: string;
  note?: string;
}

export interface PaymentSummary {
  status: 'STARTED' | 'FAILED' | 'SUCCEEDED';
  gateway: string;
  amount: Money;
  refunded: number;
  card?: { brand: string; last4: string };
  failureCode?: string;
}

export interface Booking {
  id: string;
  customerId: string;
  providerId: string;
  offeringId: string;
  offeringTitle: string;
  kind: OfferingKind;
  quantity: number;
  slot: { start: string; end: string } | null;
  total: Money;
  status: BookingStatus;
  holdExpiresAt: string;
  attribution: Attribution;
  placedAt: string;
  updatedAt: string;
  timeline: TimelineEntry[];
  payment: PaymentSummary | null;
}

export interface PaymentDetail {
  id: string;
  bookingId: string;
  customerId: string;
  providerId: string;
  amount: Money;
  gateway: string;
  status: 'STARTED' | 'FAILED' | 'SUCCEEDED';
  refunded: number;
  card?: { brand: string; last4: string };
  attempts: { at: string; outcome: string; code?: string }[];
  refunds: { at: string; amount: Money; reason: string }[];
  createdAt: string;
  updatedAt: string;
}

/** Every command answers with the position to pass back for read-your-writes. */
export interface CommandResult {
  revision: string;
  position: string | null;
}

export interface PlacedBooking extends CommandResult {
  bookingId: string;
  status: 'PENDING';
  holdExpiresAt: string;
  total: Money;
  slot: { start: string; end: string } | null;
}

export interface StartedPayment extends CommandResult {
  paymentId: string;
  bookingId: string;
  /** `card` or `paypal` (older servers leave it out: card) */
  method?: 'card' | 'paypal';
  gateway: 'sandbox' | string;
  intentId: string;
  clientSecret: string;
  amount: Money;
  status: string;
  holdExpiresAt: string;
}

export type SandboxOutcome = CommandResult & { paymentId: string } & (
    | { status: 'SUCCEEDED'; card?: { brand: string; last4: string } }
    | { status: 'FAILED'; code: string; reason: string }
  );

export interface CreateOfferingBody {
  kind: OfferingKind;
  title: string;
  description?: string;
  category: string;
  price: Money;
  stock?: number;
  seatsPerSlot?: number;
  schedule?: Schedule;
  location?: Location;
  publish?: boolean;
}
