/** The Maps JavaScript API, loaded only with a browser key from GET /api/config. */
import { loadScript } from './script-loader';

export interface MapsApi {
  Map: new (el: HTMLElement, options: Record<string, unknown>) => unknown;
  Marker: new (options: Record<string, unknown>) => unknown;
}

declare global {
  interface GoogleGlobal {
    maps?: MapsApi;
  }
  interface Window {
    google?: GoogleGlobal;
    __bookingMapsReady?: () => void;
  }
}

export function mapsScriptUrl(key: string): string {
  const q = new URLSearchParams({ key, v: 'weekly', loading: 'async', callback: '__bookingMapsReady' });
  return `https://maps.googleapis.com/maps/api/js?${q.toString()}`;
}

/** Resolves once the API has called back (the `callback` parameter), then with google.maps. */
export async function loadMaps(key: string): Promise<MapsApi> {
  const ready = new Promise<void>((resolve) => {
    if (window.google?.maps?.Map) return resolve();
    window.__bookingMapsReady = () => resolve();
  });
  await loadScript(mapsScriptUrl(key));
  await ready;
  const maps = window.google?.maps;
  if (!maps?.Map) throw new Error('Google Maps did not load');
  return maps;
}
