import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from './lib/types';
import { useSessionStore } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** who may open the page (any of them, when a list); others are sent to sign in */
    role?: Role | Role[];
    /** any signed-in user may open the page */
    auth?: boolean;
    title?: string;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'catalog', component: () => import('./views/CatalogView.vue'), meta: { title: 'Explore' } },
  {
    path: '/offerings/:id',
    name: 'offering',
    component: () => import('./views/OfferingView.vue'),
    props: true,
    meta: { title: 'Offering' },
  },
  { path: '/signin', name: 'signin', component: () => import('./views/SignInView.vue'), meta: { title: 'Sign in' } },
  {
    path: '/checkout/:id',
    name: 'checkout',
    component: () => import('./views/CheckoutView.vue'),
    props: true,
    meta: { role: 'customer', title: 'Checkout' },
  },
  {
    path: '/me/bookings',
    name: 'my-bookings',
    component: () => import('./views/MyBookingsView.vue'),
    meta: { role: 'customer', title: 'My bookings' },
  },
  {
    path: '/provider/offerings',
    name: 'provider-offerings',
    component: () => import('./views/ProviderOfferingsView.vue'),
    meta: { role: 'provider', title: 'My offerings' },
  },
  {
    path: '/provider/offerings/new',
    name: 'provider-new-offering',
    component: () => import('./views/ProviderNewOfferingView.vue'),
    meta: { role: 'provider', title: 'New offering' },
  },
  {
    path: '/provider/bookings',
    name: 'provider-bookings',
    component: () => import('./views/ProviderBookingsView.vue'),
    meta: { role: 'provider', title: 'Bookings' },
  },
  {
    path: '/admin/bookings',
    name: 'admin-bookings',
    component: () => import('./views/AdminBookingsView.vue'),
    meta: { role: 'admin', title: 'All bookings' },
  },
  {
    path: '/admin/bookings/:id',
    name: 'admin-booking',
    component: () => import('./views/AdminBookingView.vue'),
    props: true,
    meta: { role: 'admin', title: 'Booking' },
  },
  {
    path: '/verify-email',
    name: 'verify-email',
    component: () => import('./views/VerifyEmailView.vue'),
    meta: { title: 'Confirm your email' },
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('./views/ForgotPasswordView.vue'),
    meta: { title: 'Forgot password' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('./views/ResetPasswordView.vue'),
    meta: { title: 'Choose a new password' },
  },
  {
    path: '/me/notifications',
    name: 'notifications',
    component: () => import('./views/NotificationPreferencesView.vue'),
    meta: { auth: true, title: 'Notifications' },
  },
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('./views/AdminUsersView.vue'),
    meta: { role: 'admin', title: 'Users' },
  },
  {
    path: '/admin/audit',
    name: 'admin-audit',
    component: () => import('./views/AdminAuditView.vue'),
    meta: { role: 'admin', title: 'Audit history' },
  },
  {
    path: '/admin/analytics',
    name: 'admin-analytics',
    component: () => import('./views/AdminAnalyticsView.vue'),
    meta: { role: ['admin', 'analyst'], title: 'Analytics' },
  },
  {
    path: '/admin/system',
    name: 'admin-system',
    component: () => import('./views/AdminSystemView.vue'),
    meta: { role: 'admin', title: 'System' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./views/NotFoundView.vue'),
    meta: { title: 'Not found' },
  },
];

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    // a reload: the stored refresh token must become an access token before any guard decides
    if (session.restoring) await session.restore();
    const needs = to.meta.role;
    if (needs && !session.hasRole(needs)) {
      return { name: 'signin', query: { redirect: to.fullPath, need: Array.isArray(needs) ? needs[0] : needs } };
    }
    if (to.meta.auth && !session.signedIn) return { name: 'signin', query: { redirect: to.fullPath } };
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Booking` : 'Booking';
  });

  return router;
}
