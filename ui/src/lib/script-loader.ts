/**
 * Third-party browser SDKs (Google Identity, Sign in with Apple, Maps, TikTok Pixel,
 * PayPal) are loaded only when the deployment configures them, once per URL. Tests swap
 * the loader to observe what would be loaded without touching the network.
 */
export type ScriptLoader = (src: string, attributes?: Record<string, string>) => Promise<void>;

const pending = new Map<string, Promise<void>>();

function domLoader(src: string, attributes: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.async = true;
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
    el.addEventListener('load', () => resolve());
    el.addEventListener('error', () => reject(new Error(`could not load ${new URL(src, location.href).host}`)));
    document.head.appendChild(el);
  });
}

let loader: ScriptLoader = domLoader;

export function setScriptLoader(next: ScriptLoader | null): void {
  loader = next ?? domLoader;
  pending.clear();
}

/** Loads `src` once; a failed load may be tried again. */
export function loadScript(src: string, attributes?: Record<string, string>): Promise<void> {
  let p = pending.get(src);
  if (!p) {
    p = loader(src, attributes).catch((err: unknown) => {
      pending.delete(src);
      throw err;
    });
    pending.set(src, p);
  }
  return p;
}
