/**
 * The one table of the platform's HTTP routes, for the OpenAPI document. Body and query
 * classes are the very classes the handlers validate with `parseInput`, so the schemas
 * cannot drift from the validation; ops/test/openapi.test.ts checks that this table and
 * the routes the app really mounts are the same set.
 */
import type { UserRoleName } from '@booking/shared-kernel';
import {
  AdminCreateUserBody,
  CancelBookingBody,
  ChangeOfferingDetailsBody,
  ChangePriceBody,
  ChangeScheduleBody,
  ChangeSeatsBody,
  CreateOfferingBody,
  DecisionBody,
  EmailBody,
  LoginBody,
  LogoutBody,
  MarkPaidBody,
  NotificationPreferencesBody,
  PlaceBookingBody,
  ProviderApplicationBody,
  ReasonBody,
  RefreshBody,
  RefundBody,
  RegisterBody,
  RescheduleBookingBody,
  ResetPasswordBody,
  RoleBody,
  SandboxConfirmBody,
  SetStockBody,
  SocialLoginBody,
  StartPaymentBody,
  TokenBody,
} from '@booking/command';
import {
  AdminBookingListQuery,
  AnalyticsQuery,
  LiveBookingsQuery,
  AutocompleteQuery,
  AvailabilityQuery,
  BookingListQuery,
  CatalogQuery,
  DiffQuery,
  GeocodeQuery,
  ProviderOfferingsQuery,
  ReplayQuery,
  ReverseQuery,
  UserListQuery,
} from '@booking/read-api';
import { DemoLoginBody } from '../demo-routes.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anybody (`public`), anybody but a bearer token shows more
 * (`optional`), any signed-in user (`authenticated`), these roles only, or Stripe or
 * PayPal (a signed webhook).
 */
export type Access =
  'public' | 'optional' | 'authenticated' | 'stripe-signature' | 'paypal-signature' | readonly UserRoleName[];

/** What must be running for the route to be mounted (see platform.ts). */
export type Feature = 'always' | 'command' | 'read-api' | 'projector' | 'demo';

/** a request body or query class (what parseInput takes) */
export type RequestClass = new () => object;

export interface RouteDoc {
  method: HttpMethod;
  /** express style, from the root: `/api/offerings/:offeringId` */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  /** the JSON body's class (validated with parseInput) */
  body?: RequestClass;
  /** the body may be left out altogether (its defaults apply) */
  bodyOptional?: boolean;
  /** the query string's class */
  query?: RequestClass;
  /** the success status */
  status: number;
  /** the success body's media types (default: JSON) */
  produces?: readonly string[];
  /** request headers the route reads (besides Authorization and the usual ones) */
  headers?: readonly { name: string; description: string }[];
  /** more about the route than its summary (markdown) */
  notes?: string;
  mountedWith: Feature;
}

const STAFF = ['provider', 'admin'] as const;
const ADMIN = ['admin'] as const;
const CUSTOMER = ['customer'] as const;
const ANALYTICS = ['admin', 'analyst'] as const;
const CSV_TOO = ['application/json', 'text/csv'] as const;

const command = (
  method: HttpMethod,
  path: string,
  summary: string,
  tag: string,
  access: Access,
  status: number,
  body?: RequestClass,
): RouteDoc => ({
  method,
  path: `/api${path}`,
  summary,
  tag,
  access,
  status,
  mountedWith: 'command',
  ...(body ? { body } : {}),
});

const read = (
  path: string,
  summary: string,
  tag: string,
  access: Access,
  query?: RequestClass,
  produces?: readonly string[],
): RouteDoc => ({
  method: 'get',
  path: `/api${path}`,
  summary,
  tag,
  access,
  status: 200,
  mountedWith: 'read-api',
  ...(query ? { query } : {}),
  ...(produces ? { produces } : {}),
});

export const ROUTES: readonly RouteDoc[] = [
  // operations
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness and the roles this process runs',
    tag: 'operations',
    access: 'public',
    status: 200,
    mountedWith: 'always',
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: event store reachable, projections caught up (503 otherwise)',
    tag: 'operations',
    access: 'public',
    status: 200,
    mountedWith: 'always',
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (text exposition format)',
    tag: 'operations',
    access: 'public',
    status: 200,
    produces: ['text/plain'],
    mountedWith: 'always',
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Public keys that verify access tokens',
    tag: 'operations',
    access: 'public',
    status: 200,
    mountedWith: 'always',
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This OpenAPI document',
    tag: 'operations',
    access: 'public',
    status: 200,
    mountedWith: 'always',
  },
  {
    method: 'get',
    path: '/api/payments/config',
    summary: 'What the SPA needs to take a payment (card gateway, publishable key, PayPal client id)',
    tag: 'payments',
    access: 'public',
    status: 200,
    mountedWith: 'always',
  },
  read(
    '/config',
    'Public settings for the SPA: social sign-in client ids, TikTok Pixel, Maps browser key, demo sign-in',
    'operations',
    'public',
  ),
  read('/status/projections', 'Projection progress', 'operations', 'public'),
  read('/status/reactors', 'Reactor, hold-expiry, reconciler and reminder status', 'operations', 'public'),
  read(
    '/admin/system',
    "Each projection's position and lag, each reactor's backlog and dead letters",
    'operations',
    ADMIN,
  ),
  {
    method: 'get',
    path: '/api/admin/projections',
    summary: 'Projection versions, checkpoints and rebuilds',
    tag: 'operations',
    access: ADMIN,
    status: 200,
    mountedWith: 'projector',
  },
  {
    method: 'post',
    path: '/api/admin/projections/:name/rebuild',
    summary: 'Rebuild a projection into new collections',
    tag: 'operations',
    access: ADMIN,
    status: 202,
    mountedWith: 'projector',
  },

  // demo sign-in (never in production)
  {
    method: 'get',
    path: '/api/demo/users',
    summary: 'The demo users and their password',
    tag: 'demo',
    access: 'public',
    status: 200,
    mountedWith: 'demo',
  },
  {
    method: 'post',
    path: '/api/demo/login',
    summary: 'Sign in as a demo user',
    tag: 'demo',
    access: 'public',
    status: 200,
    body: DemoLoginBody,
    mountedWith: 'demo',
  },

  // identity
  command(
    'post',
    '/auth/register',
    'Register with email and password (a verification mail follows)',
    'identity',
    'public',
    202,
    RegisterBody,
  ),
  command(
    'post',
    '/auth/verify-email',
    'Confirm the email address with the mailed token',
    'identity',
    'public',
    200,
    TokenBody,
  ),
  command(
    'post',
    '/auth/verify-email/resend',
    'Send the verification mail again',
    'identity',
    'public',
    202,
    EmailBody,
  ),
  command('post', '/auth/login', 'Sign in: access and refresh tokens', 'identity', 'public', 200, LoginBody),
  command(
    'post',
    '/auth/refresh',
    'Rotate the refresh token for a new access token',
    'identity',
    'public',
    200,
    RefreshBody,
  ),
  command('post', '/auth/logout', 'End the session', 'identity', 'authenticated', 204, LogoutBody),
  command('post', '/auth/password/forgot', 'Mail a password reset link', 'identity', 'public', 202, EmailBody),
  command(
    'post',
    '/auth/password/reset',
    'Choose a new password with the mailed token',
    'identity',
    'public',
    200,
    ResetPasswordBody,
  ),
  command(
    'post',
    '/auth/social/:provider',
    'Sign in with a Google or Apple ID token',
    'identity',
    'public',
    200,
    SocialLoginBody,
  ),
  command(
    'post',
    '/me/provider-application',
    'Apply to become a provider',
    'identity',
    CUSTOMER,
    200,
    ProviderApplicationBody,
  ),
  command(
    'put',
    '/me/notification-preferences',
    'Choose the notification channels (email, SMS) and the phone for SMS',
    'identity',
    'authenticated',
    200,
    NotificationPreferencesBody,
  ),
  read('/me', "The caller's profile", 'identity', 'authenticated'),
  read(
    '/me/notification-preferences',
    "The caller's notification channels (email, SMS) and SMS phone",
    'identity',
    'authenticated',
  ),

  // user administration
  read('/admin/users', 'List and search users', 'users', ADMIN, UserListQuery),
  read('/admin/users/:userId', 'One user', 'users', ADMIN),
  command('post', '/admin/users', 'Create a user', 'users', ADMIN, 201, AdminCreateUserBody),
  command('post', '/admin/users/:userId/roles', 'Grant a role', 'users', ADMIN, 200, RoleBody),
  command('delete', '/admin/users/:userId/roles/:role', 'Revoke a role', 'users', ADMIN, 200),
  command('post', '/admin/users/:userId/suspend', 'Suspend a user', 'users', ADMIN, 200, ReasonBody),
  command('post', '/admin/users/:userId/reactivate', 'Reactivate a suspended user', 'users', ADMIN, 200),
  command(
    'post',
    '/admin/users/:userId/provider-application/decision',
    'Approve or reject a provider application',
    'users',
    ADMIN,
    200,
    DecisionBody,
  ),

  // catalog
  read('/offerings', 'Search the published offerings', 'catalog', 'public', CatalogQuery),
  read(
    '/offerings/:offeringId',
    'One offering with its availability (its owner and admins also see unpublished ones)',
    'catalog',
    'optional',
    AvailabilityQuery,
  ),
  read('/provider/offerings', "The provider's own offerings", 'catalog', ['provider'], ProviderOfferingsQuery),
  command('post', '/offerings', 'Create an offering', 'catalog', STAFF, 201, CreateOfferingBody),
  command(
    'patch',
    '/offerings/:offeringId',
    "Change an offering's details",
    'catalog',
    STAFF,
    200,
    ChangeOfferingDetailsBody,
  ),
  command('put', '/offerings/:offeringId/price', 'Change the price', 'catalog', STAFF, 200, ChangePriceBody),
  command(
    'put',
    '/offerings/:offeringId/schedule',
    "Change a service's schedule",
    'catalog',
    STAFF,
    200,
    ChangeScheduleBody,
  ),
  command(
    'put',
    '/offerings/:offeringId/seats',
    "Change a service's seats per slot",
    'catalog',
    STAFF,
    200,
    ChangeSeatsBody,
  ),
  command('put', '/offerings/:offeringId/stock', "Set a product's stock", 'catalog', STAFF, 200, SetStockBody),
  command('post', '/offerings/:offeringId/publish', 'Publish an offering', 'catalog', STAFF, 200),
  command('post', '/offerings/:offeringId/retire', 'Retire an offering', 'catalog', STAFF, 200),

  // geocoding for offering addresses (404 without a configured geocoder)
  read('/geo/autocomplete', 'Address suggestions while typing', 'geo', STAFF, AutocompleteQuery),
  read('/geo/geocode', "An address, or a suggestion's place id, to coordinates", 'geo', STAFF, GeocodeQuery),
  read('/geo/reverse', 'Coordinates to an address', 'geo', STAFF, ReverseQuery),

  // bookings
  command(
    'post',
    '/bookings',
    'Book an offering (holds capacity until paid)',
    'bookings',
    CUSTOMER,
    201,
    PlaceBookingBody,
  ),
  command(
    'post',
    '/bookings/:bookingId/cancel',
    'Cancel a booking',
    'bookings',
    'authenticated',
    200,
    CancelBookingBody,
  ),
  command('post', '/bookings/:bookingId/complete', 'Mark a booking completed', 'bookings', 'authenticated', 200),
  command('post', '/bookings/:bookingId/no-show', 'Mark a booking as a no-show', 'bookings', 'authenticated', 200),
  command(
    'post',
    '/bookings/:bookingId/reschedule',
    'Move a service booking to another slot',
    'bookings',
    'authenticated',
    200,
    RescheduleBookingBody,
  ),
  read('/me/bookings', "The customer's bookings", 'bookings', CUSTOMER, BookingListQuery),
  read('/provider/bookings', "The provider's bookings", 'bookings', ['provider'], BookingListQuery),
  read('/admin/bookings', 'Every booking', 'bookings', ADMIN, AdminBookingListQuery),
  read('/bookings/:bookingId', 'One booking (its customer, provider or an admin)', 'bookings', 'authenticated'),
  read(
    '/bookings/:bookingId/cancellation-quote',
    'What cancelling now would refund, by the cancellation policy',
    'bookings',
    'authenticated',
  ),
  {
    ...read(
      '/live/bookings',
      'Changes of the bookings the caller may see, as Server-Sent Events',
      'bookings',
      'authenticated',
      LiveBookingsQuery,
      ['text/event-stream'],
    ),
    headers: [
      {
        name: 'Last-Event-ID',
        description:
          'resume: first send the visible bookings that changed after this event id (a global position), then live changes',
      },
    ],
    notes:
      'The same bookings as `GET /api/bookings/:bookingId` shows the caller: a customer their own, a provider those of their offerings, an admin all. ' +
      'Each change is one event:\n\n' +
      '```\nevent: booking\nid: <global position of the last event applied to the booking, as commands return it>\n' +
      'data: <the booking as GET /api/bookings/:bookingId returns it, on one line of JSON>\n```\n\n' +
      'A comment line (`: heartbeat`) comes every 15 s. The stream ends when the access token expires: reconnect with a fresh token and `Last-Event-ID`.',
  },

  // payments
  {
    ...command(
      'post',
      '/bookings/:bookingId/payment',
      'Start (or resume) paying a pending booking, by card (default) or PayPal',
      'payments',
      CUSTOMER,
      201,
      StartPaymentBody,
    ),
    bodyOptional: true,
  },
  command(
    'post',
    '/payments/:paymentId/sandbox-confirm',
    'Sandbox gateway: pay with a test card number',
    'payments',
    CUSTOMER,
    200,
    SandboxConfirmBody,
  ),
  command(
    'post',
    '/payments/:paymentId/mark-paid',
    'Record a payment made outside the gateway',
    'payments',
    ADMIN,
    200,
    MarkPaidBody,
  ),
  command('post', '/payments/:paymentId/refund', 'Refund all or part of a payment', 'payments', ADMIN, 200, RefundBody),
  command(
    'post',
    '/payments/:paymentId/paypal-capture',
    'PayPal: capture the order the buyer approved (200 SUCCEEDED or FAILED, 202 PENDING)',
    'payments',
    CUSTOMER,
    200,
  ),
  command('post', '/payments/webhooks/stripe', 'Stripe webhook (signed raw body)', 'payments', 'stripe-signature', 200),
  command(
    'post',
    '/payments/webhooks/paypal',
    'PayPal webhook (PAYMENT.CAPTURE.COMPLETED, DENIED, REFUNDED; verified with PayPal)',
    'payments',
    'paypal-signature',
    200,
  ),
  read('/payments/:paymentId', 'One payment (its customer, provider or an admin)', 'payments', 'authenticated'),

  // receipts
  read('/bookings/:bookingId/receipts', "A booking's receipts and credit notes", 'receipts', 'authenticated'),
  read('/receipts/:receiptId/pdf', 'A receipt as PDF', 'receipts', 'authenticated', undefined, ['application/pdf']),

  // audit
  read('/admin/audit/:aggregate/:id/events', "An aggregate's events", 'audit', ADMIN),
  read(
    '/admin/audit/:aggregate/:id/state',
    "An aggregate's state replayed up to a revision",
    'audit',
    ADMIN,
    ReplayQuery,
  ),
  read('/admin/audit/:aggregate/:id/diff', 'What changed between two revisions', 'audit', ADMIN, DiffQuery),
  read('/admin/audit/trace/:correlationId', 'Everything one request caused, across streams', 'audit', ADMIN),

  // analytics (JSON, or CSV with format=csv)
  read('/analytics/revenue', 'Revenue by period', 'analytics', ANALYTICS, AnalyticsQuery, CSV_TOO),
  read('/analytics/funnel', 'Booking funnel by period', 'analytics', ANALYTICS, AnalyticsQuery, CSV_TOO),
  read('/analytics/bookings', 'Bookings by status and period', 'analytics', ANALYTICS, AnalyticsQuery, CSV_TOO),
  read(
    '/analytics/attribution',
    'Conversions and revenue by UTM source',
    'analytics',
    ANALYTICS,
    AnalyticsQuery,
    CSV_TOO,
  ),
  read('/analytics/slots', 'Slot occupancy by period', 'analytics', ANALYTICS, AnalyticsQuery, CSV_TOO),
];
