/** Who is signed in: a demo user and its token, kept in localStorage across reloads. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, forgetPosition, onUnauthorized, setAuthToken } from '../lib/api';
import type { DemoUser, Role } from '../lib/types';

export const SESSION_KEY = 'booking.session';

interface StoredSession {
  token: string;
  user: DemoUser;
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

function load(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof s.token !== 'string' || !s.user || typeof s.user.id !== 'string') return null;
    const exp = tokenExpiry(s.token);
    if (exp !== null && exp <= Date.now()) return null;
    return { token: s.token, user: s.user };
  } catch {
    return null;
  }
}

function save(session: StoredSession | null): void {
  try {
    if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // storage may be unavailable; the session then lasts for the page only
  }
}

export const ROLE_LABELS: Record<Role, string> = {
  customer: 'Customer',
  provider: 'Provider',
  admin: 'Admin',
};

export const useSessionStore = defineStore('session', () => {
  const initial = load();
  const token = ref<string | null>(initial?.token ?? null);
  const user = ref<DemoUser | null>(initial?.user ?? null);
  const demoUsers = ref<DemoUser[]>([]);
  const loadingUsers = ref(false);
  /** set when the server rejected the token; the header then offers to sign in again */
  const expiredNotice = ref(false);
  /** the sign-in chooser dialog, which any page may open */
  const chooserOpen = ref(false);
  setAuthToken(token.value);

  const signedIn = computed(() => !!token.value && !!user.value);
  const role = computed<Role | null>(() => user.value?.role ?? null);

  function apply(session: StoredSession | null): void {
    token.value = session?.token ?? null;
    user.value = session?.user ?? null;
    setAuthToken(token.value);
    save(session);
  }

  async function loadDemoUsers(): Promise<DemoUser[]> {
    if (demoUsers.value.length > 0) return demoUsers.value;
    loadingUsers.value = true;
    try {
      const res = await api.get<{ items: DemoUser[] }>('/api/demo/users', { ignorePosition: true });
      demoUsers.value = res.items;
      return res.items;
    } finally {
      loadingUsers.value = false;
    }
  }

  async function signIn(userId: string): Promise<DemoUser> {
    const res = await api.post<{ token: string; user: DemoUser }>('/api/demo/login', { userId });
    forgetPosition();
    expiredNotice.value = false;
    apply({ token: res.token, user: res.user });
    return res.user;
  }

  function signOut(): void {
    forgetPosition();
    apply(null);
  }

  onUnauthorized(() => {
    expiredNotice.value = true;
    apply(null);
  });

  function openChooser(): void {
    chooserOpen.value = true;
  }

  return {
    token,
    user,
    role,
    signedIn,
    demoUsers,
    loadingUsers,
    expiredNotice,
    chooserOpen,
    loadDemoUsers,
    signIn,
    signOut,
    openChooser,
  };
});
