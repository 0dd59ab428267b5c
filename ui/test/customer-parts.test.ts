// @vitest-environment happy-dom
/** The provider's location (map only with a Maps browser key) and receipt downloads. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia } from 'pinia';
import OfferingMap from '../src/components/OfferingMap.vue';
import ReceiptList from '../src/components/ReceiptList.vue';
import { setScriptLoader } from '../src/lib/script-loader';
import { useConfigStore } from '../src/stores/config';
import { FakeApi, flush } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

let fake: FakeApi;
let loaded: string[];
const NONE = { signIn: { google: null, apple: null }, tiktokPixel: null, maps: null, demoSignIn: false };
const location = { address: '12 Rue Oberkampf', city: 'Paris', country: 'FR', lat: 48.8649, lng: 2.3708 };

beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/payments/config', { gateway: 'sandbox', publishableKey: null, sandbox: true });
  loaded = [];
  setScriptLoader(async (src) => {
    loaded.push(src);
    // what the Maps API does once loaded: define google.maps and call the callback
    const maps = {
      Map: vi.fn(function (this: unknown, _el: HTMLElement, _o: unknown) {}),
      Marker: vi.fn(function (this: unknown, _o: unknown) {}),
    };
    window.google = { ...window.google, maps };
    window.__bookingMapsReady?.();
  });
});
afterEach(() => {
  setScriptLoader(null);
  delete window.google;
});

describe('OfferingMap', () => {
  it('shows the address only, and loads no script, without a Maps key', async () => {
    fake.on('GET', '/api/config', NONE);
    const pinia = createPinia();
    await useConfigStore(pinia).load();
    const { wrapper } = await mountApp(OfferingMap, { pinia, props: { location, title: 'Yoga' } });
    await flush();
    expect(wrapper.find('[data-address]').text()).toBe('12 Rue Oberkampf, Paris, FR');
    expect(wrapper.find('[data-map]').exists()).toBe(false);
    expect(loaded).toEqual([]);
  });

  it('draws a map centred on the provider with a browser key', async () => {
    fake.on('GET', '/api/config', { ...NONE, maps: { browserKey: 'AIzaBrowser_key-1' } });
    const pinia = createPinia();
    await useConfigStore(pinia).load();
    const { wrapper } = await mountApp(OfferingMap, { pinia, props: { location, title: 'Yoga' } });
    await flush(10);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatch(/^https:\/\/maps\.googleapis\.com\/maps\/api\/js\?key=AIzaBrowser_key-1&/);
    expect(wrapper.find('[data-map]').attributes('aria-label')).toContain('12 Rue Oberkampf');
    const maps = window.google!.maps as unknown as { Map: ReturnType<typeof vi.fn>; Marker: ReturnType<typeof vi.fn> };
    expect(maps.Map.mock.calls[0]![1]).toMatchObject({ center: { lat: 48.8649, lng: 2.3708 } });
    expect(maps.Marker.mock.calls[0]![0]).toMatchObject({ position: { lat: 48.8649, lng: 2.3708 }, title: 'Yoga' });
    expect(wrapper.find('[data-address]').exists()).toBe(true);
  });
});

describe('ReceiptList', () => {
  it('downloads the PDF with the bearer token and hands it to the browser under its number', async () => {
    const pinia = await signedInAs(fake, 'customer-alice');
    fake.on('GET', '/api/bookings/bk-1/receipts', {
      items: [
        {
          id: 'r1',
          number: 'R-2030-000042',
          kind: 'receipt',
          bookingId: 'bk-1',
          issuedAt: '2030-01-01T10:00:00Z',
          total: { amount: 2400, currency: 'EUR' },
          pdf: '/api/receipts/r1/pdf',
        },
      ],
    });
    fake.on(
      'GET',
      '/api/receipts/r1/pdf',
      () =>
        new Response(new Blob(['%PDF-1.7 fake'], { type: 'application/pdf' }), {
          headers: {
            'content-type': 'application/pdf',
            'content-disposition': 'attachment; filename="R-2030-000042.pdf"',
          },
        }),
    );
    const created: Blob[] = [];
    const clicks: string[] = [];
    const createObjectURL = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      created.push(b as Blob);
      return 'blob:receipt';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    try {
      const { wrapper } = await mountApp(ReceiptList, { pinia, props: { bookingId: 'bk-1' } });
      await flush();
      expect(wrapper.find('[data-receipt-id="r1"]').text()).toContain('Receipt R-2030-000042');
      await wrapper.find('[data-download-receipt]').trigger('click');
      await flush();
      const get = fake.called('GET', '/api/receipts/r1/pdf')[0]!;
      expect(get.headers.authorization).toMatch(/^Bearer /);
      expect(clicks).toEqual(['R-2030-000042.pdf']);
      expect(await created[0]!.text()).toContain('%PDF');
    } finally {
      createObjectURL.mockRestore();
      click.mockRestore();
    }
  });
});
