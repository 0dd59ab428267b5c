/**
 * The two identity providers' browser SDKs, reduced to what sign-in uses: Google Identity
 * Services renders its own button and hands back an ID token; Sign in with Apple opens a
 * popup and resolves with one. Both echo the nonce we pass into the token, which the server
 * checks (it accepts the nonce or its SHA-256).
 */
import { loadScript } from './script-loader';

export const GOOGLE_SDK_URL = 'https://accounts.google.com/gsi/client';
export const APPLE_SDK_URL = 'https://appleid.cdn-apple.com/appleauth/static/jsapi/appleid/1/en_US/appleid.auth.js';

interface GoogleId {
  initialize(options: {
    client_id: string;
    callback: (response: { credential?: string }) => void;
    nonce: string;
    ux_mode?: 'popup' | 'redirect';
    use_fedcm_for_prompt?: boolean;
  }): void;
  renderButton(parent: HTMLElement, options: Record<string, string | number>): void;
}

interface AppleAuth {
  init(options: {
    clientId: string;
    scope: string;
    redirectURI: string;
    state: string;
    nonce: string;
    usePopup: boolean;
  }): void;
  signIn(): Promise<{
    authorization: { id_token: string; code?: string; state?: string };
    user?: { name?: { firstName?: string; lastName?: string }; email?: string };
  }>;
}

declare global {
  /** `window.google`; the Maps API adds `maps` (lib/google-maps.ts) */
  interface GoogleGlobal {
    accounts?: { id?: GoogleId };
  }
  interface Window {
    google?: GoogleGlobal;
    AppleID?: { auth?: AppleAuth };
  }
}

/** A random value for the token's nonce (and Apple's state). */
export function randomNonce(bytes = 24): string {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return btoa(String.fromCharCode(...a))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export async function loadGoogle(): Promise<GoogleId> {
  await loadScript(GOOGLE_SDK_URL);
  const id = window.google?.accounts?.id;
  if (!id) throw new Error('Google sign-in did not load');
  return id;
}

export async function loadApple(): Promise<AppleAuth> {
  await loadScript(APPLE_SDK_URL);
  const auth = window.AppleID?.auth;
  if (!auth) throw new Error('Sign in with Apple did not load');
  return auth;
}
