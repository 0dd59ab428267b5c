/**
 * Who is signed in. The access token lives in memory only; the refresh token is kept in
 * localStorage so a reload or a new tab can get a fresh access token. Refresh tokens rotate
 * on every use and the server revokes a session whose old token comes back, so refreshes
 * are serialised across tabs (Web Locks) and each one reads the newest token from storage.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  api,
  clientFetch,
  forgetPosition,
  onUnauthorized,
  setAuthToken,
  setTokenRefresher,
  toApiError,
} from '../lib/api';
import type { DemoUser, Role, SessionTokens, SessionUser } from '../lib/types';

export const REFRESH_KEY = 'booking.refresh';
/** the demo-only session of earlier versions (an access token in storage): dropped on load */
const LEGACY_SESSION_KEY = 'booking.session';
/** renew this long before the access token expires */
const RENEW_EARLY_MS = 60_000;

interface StoredRefresh {
  refreshToken: string;
  expiresAt: string;
  user: SessionUser;
}

/** The `exp` claim of a JWT, in ms; null if the token has none or is not a JWT. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled: the session lasts for the page only
  }
}

export function readStoredRefresh(): StoredRefresh | null {
  try {
    const raw = storage()?.getItem(REFRESH_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<StoredRefresh>;
    if (typeof s.refreshToken !== 'string' || !s.user || typeof s.user.id !== 'string') return null;
    if (typeof s.expiresAt === 'string' && Date.parse(s.expiresAt) <= Date.now()) return null;
    return { refreshToken: s.refreshToken, expiresAt: s.expiresAt ?? '', user: s.user };
  } catch {
    return null;
  }
}

function writeStoredRefresh(value: StoredRefresh | null): void {
  const s = storage();
  if (!s) return;
  try {
    if (value) s.setItem(REFRESH_KEY, JSON.stringify(value));
    else s.removeItem(REFRESH_KEY);
    s.removeItem(LEGACY_SESSION_KEY);
  } catch {
    // quota or privacy mode: the session still works in this page
  }
}

/** Runs `fn` while holding a lock every tab of this origin shares (or directly without Web Locks). */
async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks?.request) return fn();
  return locks.request('booking-refresh', () => fn()) as Promise<T>;
}

export const ROLE_LABELS: Record<Role, string> = {
  customer: 'Customer',
  provider: 'Provider',
  admin: 'Admin',
  analyst: 'Analyst',
};

const ROLES: readonly Role[] = ['customer', 'provider', 'admin', 'analyst'];

function asUser(raw: Partial<SessionUser> & { id: string }): SessionUser {
  const role = ROLES.includes(raw.role as Role) ? (raw.role as Role) : 'customer';
  const roles = Array.isArray(raw.roles) ? raw.roles.filter((r): r is Role => ROLES.includes(r)) : [role];
  return {
    id: raw.id,
    email: raw.email ?? '',
    name: raw.name ?? raw.email ?? raw.id,
    role,
    roles: roles.length > 0 ? roles : [role],
    ...(raw.emailVerified !== undefined ? { emailVerified: raw.emailVerified } : {}),
    ...(raw.status ? { status: raw.status } : {}),
  };
}

export const useSessionStore = defineStore('session', () => {
  const stored = readStoredRefresh();
  const token = ref<string | null>(null);
  const user = ref<SessionUser | null>(stored?.user ?? null);
  const refreshToken = ref<string | null>(stored?.refreshToken ?? null);
  const demoUsers = ref<DemoUser[]>([]);
  const loadingUsers = ref(false);
  /** set when the server rejected the session; the header then offers to sign in again */
  const expiredNotice = ref(false);
  /** the sign-in dialog, which any page may open */
  const chooserOpen = ref(false);
  /** true until a stored session has been renewed (or found dead) after the page loaded */
  const restoring = ref(!!stored);
  let renewTimer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<boolean> | null = null;

  const signedIn = computed(() => !!token.value && !!user.value);
  const role = computed<Role | null>(() => (token.value ? (user.value?.role ?? null) : null));

  /** whether the user has the role (any of them, when given a list) */
  function hasRole(r: Role | readonly Role[]): boolean {
    const u = user.value;
    if (!token.value || !u) return false;
    return (Array.isArray(r) ? r : [r]).some((one: Role) => u.role === one || u.roles.includes(one));
  }

  function scheduleRenewal(accessToken: string, expiresInSeconds?: number): void {
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = null;
    const exp = tokenExpiry(accessToken) ?? (expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : null);
    if (exp === null || !refreshToken.value) return;
    const wait = Math.max(5_000, exp - Date.now() - RENEW_EARLY_MS);
    renewTimer = setTimeout(() => void refresh(), wait);
  }

  function apply(
    tokens: { accessToken: string; expiresIn?: number; refreshToken?: string | null; refreshExpiresAt?: string },
    who: SessionUser,
  ): void {
    token.value = tokens.accessToken;
    user.value = who;
    refreshToken.value = tokens.refreshToken ?? null;
    setAuthToken(tokens.accessToken);
    writeStoredRefresh(
      tokens.refreshToken
        ? { refreshToken: tokens.refreshToken, expiresAt: tokens.refreshExpiresAt ?? '', user: who }
        : null,
    );
    scheduleRenewal(tokens.accessToken, tokens.expiresIn);
  }

  function clear(): void {
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = null;
    token.value = null;
    user.value = null;
    refreshToken.value = null;
    setAuthToken(null);
    writeStoredRefresh(null);
    forgetPosition();
  }

  function started(tokens: SessionTokens): SessionUser {
    forgetPosition();
    expiredNotice.value = false;
    const who = asUser(tokens.user);
    apply(tokens, who);
    return who;
  }

  /**
   * Trades the refresh token for a new pair. One at a time across tabs: the token is read
   * from storage inside the lock, since another tab may have rotated it meanwhile.
   */
  function refresh(): Promise<boolean> {
    inFlight ??= withRefreshLock(async () => {
      const current = readStoredRefresh()?.refreshToken ?? refreshToken.value;
      if (!current) return false;
      try {
        const tokens = await api.post<SessionTokens>(
          '/api/auth/refresh',
          { refreshToken: current },
          { anonymous: true },
        );
        apply(tokens, asUser(tokens.user));
        return true;
      } catch (err) {
        const e = toApiError(err);
        // offline or the server is down: keep the session and try again later
        if (e.status === 0 || e.status >= 500) {
          if (token.value) scheduleRenewal(token.value);
          return false;
        }
        expiredNotice.value = !!user.value;
        clear();
        return false;
      }
    }).finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  /** After a page load: a stored refresh token becomes a new access token. */
  async function restore(): Promise<void> {
    if (!restoring.value) return;
    try {
      await refresh();
    } finally {
      restoring.value = false;
    }
  }

  async function login(email: string, password: string): Promise<SessionUser> {
    return started(await api.post<SessionTokens>('/api/auth/login', { email, password }, { anonymous: true }));
  }

  async function register(name: string, email: string, password: string): Promise<void> {
    await api.post('/api/auth/register', { name, email, password }, { anonymous: true });
  }

  async function verifyEmail(verificationToken: string): Promise<void> {
    await api.post('/api/auth/verify-email', { token: verificationToken }, { anonymous: true });
  }

  async function resendVerification(email: string): Promise<void> {
    await api.post('/api/auth/verify-email/resend', { email }, { anonymous: true });
  }

  async function forgotPassword(email: string): Promise<void> {
    await api.post('/api/auth/password/forgot', { email }, { anonymous: true });
  }

  async function resetPassword(resetToken: string, password: string): Promise<void> {
    await api.post('/api/auth/password/reset', { token: resetToken, password }, { anonymous: true });
  }

  async function socialSignIn(
    provider: 'google' | 'apple',
    idToken: string,
    nonce: string,
    name?: string,
  ): Promise<SessionUser> {
    return started(
      await api.post<SessionTokens>(
        `/api/auth/social/${provider}`,
        { idToken, nonce, ...(name ? { name } : {}) },
        { anonymous: true },
      ),
    );
  }

  async function loadDemoUsers(): Promise<DemoUser[]> {
    if (demoUsers.value.length > 0) return demoUsers.value;
    loadingUsers.value = true;
    try {
      const res = await api.get<{ items: DemoUser[] }>('/api/demo/users', { ignorePosition: true, anonymous: true });
      demoUsers.value = res.items;
      return res.items;
    } finally {
      loadingUsers.value = false;
    }
  }

  /** Demo sign-in: a real session for demo users with an account, else a bare token. */
  async function signIn(userId: string): Promise<SessionUser> {
    const res = await api.post<Partial<SessionTokens> & { token: string; user: DemoUser & { roles?: Role[] } }>(
      '/api/demo/login',
      { userId },
      { anonymous: true },
    );
    forgetPosition();
    expiredNotice.value = false;
    const who = asUser(res.user);
    apply(
      {
        accessToken: res.accessToken ?? res.token,
        ...(res.expiresIn ? { expiresIn: res.expiresIn } : {}),
        refreshToken: res.refreshToken ?? null,
        ...(res.refreshExpiresAt ? { refreshExpiresAt: res.refreshExpiresAt } : {}),
      },
      who,
    );
    return who;
  }

  /** Ends the session here at once and on the server (its refresh token stops working). */
  async function signOut(): Promise<void> {
    const access = token.value;
    const refreshing = refreshToken.value;
    clear();
    expiredNotice.value = false;
    if (!access) return;
    const { fetch: send, baseUrl } = clientFetch();
    try {
      await send(`${baseUrl}/api/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
        body: JSON.stringify(refreshing ? { refreshToken: refreshing } : {}),
      });
    } catch {
      // offline: the session ends here anyway and its refresh token is no longer stored
    }
  }

  setTokenRefresher(() => (refreshToken.value || readStoredRefresh() ? refresh() : Promise.resolve(false)));
  onUnauthorized(() => {
    expiredNotice.value = true;
    clear();
  });

  // Signed out (or in as someone else) in another tab: follow it here.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (e) => {
      if (e.key !== REFRESH_KEY) return;
      const next = readStoredRefresh();
      if (!next) {
        if (token.value) clear();
      } else if (next.user.id !== user.value?.id) {
        clear();
        refreshToken.value = next.refreshToken;
        void refresh();
      } else {
        refreshToken.value = next.refreshToken;
      }
    });
  }

  function openChooser(): void {
    chooserOpen.value = true;
  }

  return {
    token,
    user,
    role,
    signedIn,
    restoring,
    demoUsers,
    loadingUsers,
    expiredNotice,
    chooserOpen,
    hasRole,
    restore,
    refresh,
    login,
    register,
    verifyEmail,
    resendVerification,
    forgotPassword,
    resetPassword,
    socialSignIn,
    loadDemoUsers,
    signIn,
    signOut,
    openChooser,
  };
});
