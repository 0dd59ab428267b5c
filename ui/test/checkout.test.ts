// @vitest-environment happy-dom
/**
 * Checkout picks its payment form from GET /api/payments/config: Stripe's Payment Element
 * (Stripe.js loaded only then) with a publishable key, the sandbox card form otherwise,
 * and PayPal's button when PayPal is configured. A status pushed on the live stream moves
 * the page on.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import CheckoutView from '../src/views/CheckoutView.vue';
import { setScriptLoader } from '../src/lib/script-loader';
import type { Booking } from '../src/lib/types';
import { FakeApi, flush, json } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

const stripeCalls = vi.hoisted(() => ({
  keys: [] as string[],
  elementsOptions: [] as unknown[],
  mounted: 0,
  confirm: vi.fn(),
}));
vi.mock('../src/lib/stripe', () => ({
  loadStripeJs: async (key: string) => {
    stripeCalls.keys.push(key);
    return {
      elements: (options: unknown) => {
        stripeCalls.elementsOptions.push(options);
        return {
          create: () => {
            const handlers: Record<string, () => void> = {};
            return {
              on: (name: string, fn: () => void) => {
                handlers[name] = fn;
              },
              mount: () => {
                stripeCalls.mounted++;
                handlers.ready?.();
              },
              destroy: () => undefined,
            };
          },
        };
      },
      confirmPayment: stripeCalls.confirm,
    };
  },
}));

let fake: FakeApi;
let loaded: string[];

const pending: Booking = {
  id: 'bk-1',
  customerId: 'customer-alice',
  providerId: 'provider-kiln-ceramics',
  offeringId: 'off-mug',
  offeringTitle: 'Hand-thrown Stoneware Mug',
  kind: 'product',
  quantity: 1,
  slot: null,
  total: { amount: 2400, currency: 'EUR' },
  status: 'PENDING',
  holdExpiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
  attribution: {},
  placedAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  timeline: [],
  payment: null,
};
const confirmed: Booking = {
  ...pending,
  status: 'CONFIRMED',
  payment: { status: 'SUCCEEDED', gateway: 'stripe', amount: pending.total, refunded: 0 },
};
const NONE = { signIn: { google: null, apple: null }, tiktokPixel: null, maps: null, demoSignIn: false };
const started = {
  paymentId: 'bk-1',
  bookingId: 'bk-1',
  gateway: 'stripe',
  intentId: 'pi_123',
  clientSecret: 'pi_123_secret_abc',
  amount: pending.total,
  status: 'STARTED',
  holdExpiresAt: pending.holdExpiresAt,
  revision: '0',
  position: '5',
};

beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/config', NONE);
  fake.on('GET', '/api/bookings/bk-1', pending);
  fake.on('GET', '/api/live/bookings', new Response('', { status: 404 }));
  loaded = [];
  setScriptLoader(async (src) => {
    loaded.push(src);
  });
  stripeCalls.keys = [];
  stripeCalls.elementsOptions = [];
  stripeCalls.mounted = 0;
  stripeCalls.confirm.mockReset();
});
afterEach(() => {
  setScriptLoader(null);
  delete window.paypal;
});

describe('checkout payment forms', () => {
  it('shows the sandbox card form without Stripe and loads no payment SDK', async () => {
    fake.on('GET', '/api/payments/config', { gateway: 'sandbox', publishableKey: null, sandbox: true });
    const pinia = await signedInAs(fake, 'customer-alice');
    const { wrapper } = await mountApp(CheckoutView, { pinia, props: { id: 'bk-1' }, path: '/checkout/bk-1' });
    await flush(10);
    expect(wrapper.find('[data-sandbox-form]').exists()).toBe(true);
    expect(wrapper.find('[data-stripe-form]').exists()).toBe(false);
    expect(wrapper.find('[data-pay-method]').exists()).toBe(false);
    expect(stripeCalls.keys).toEqual([]);
    expect(loaded).toEqual([]);
  });

  it('mounts Stripe’s Payment Element with the intent’s client secret and confirms with it', async () => {
    fake.on('GET', '/api/payments/config', { gateway: 'stripe', publishableKey: 'pk_test_123', sandbox: false });
    fake.on('POST', '/api/bookings/bk-1/payment', started);
    stripeCalls.confirm.mockResolvedValue({ paymentIntent: { status: 'succeeded' } });
    const pinia = await signedInAs(fake, 'customer-alice');
    const { wrapper } = await mountApp(CheckoutView, { pinia, props: { id: 'bk-1' }, path: '/checkout/bk-1' });
    await flush(10);
    expect(wrapper.find('[data-sandbox-form]').exists()).toBe(false);
    expect(stripeCalls.keys).toEqual(['pk_test_123']);
    expect(stripeCalls.elementsOptions[0]).toMatchObject({ clientSecret: 'pi_123_secret_abc' });
    expect(stripeCalls.mounted).toBe(1);
    expect(fake.called('POST', '/api/bookings/bk-1/payment')[0]!.body).toEqual({});

    // paid: the page waits for the booking to be confirmed
    fake.on('GET', '/api/bookings/bk-1', confirmed);
    fake.on('GET', '/api/bookings/bk-1/receipts', { items: [] });
    await wrapper.find('[data-stripe-form]').trigger('submit');
    await flush(10);
    expect(stripeCalls.confirm).toHaveBeenCalledWith(
      expect.objectContaining({
        redirect: 'if_required',
        confirmParams: { return_url: expect.stringContaining('/checkout/bk-1') },
      }),
    );
    await vi.waitFor(() => expect(wrapper.find('[data-confirmed]').exists()).toBe(true));
  });

  it('shows a Stripe decline in words and keeps the form', async () => {
    fake.on('GET', '/api/payments/config', { gateway: 'stripe', publishableKey: 'pk_test_123', sandbox: false });
    fake.on('POST', '/api/bookings/bk-1/payment', started);
    stripeCalls.confirm.mockResolvedValue({ error: { type: 'card_error', message: 'Your card was declined.' } });
    const pinia = await signedInAs(fake, 'customer-alice');
    const { wrapper } = await mountApp(CheckoutView, { pinia, props: { id: 'bk-1' }, path: '/checkout/bk-1' });
    await flush(10);
    await wrapper.find('[data-stripe-form]').trigger('submit');
    await flush(10);
    expect(wrapper.find('[data-declined]').text()).toContain('Your card was declined.');
    expect(wrapper.find('[data-pay]').attributes('disabled')).toBeUndefined();
  });

  it('offers PayPal when configured: its order is ours, captured after approval', async () => {
    fake.on('GET', '/api/payments/config', {
      gateway: 'sandbox',
      publishableKey: null,
      sandbox: true,
      paypal: { clientId: 'paypal-client-1' },
    });
    fake.on('POST', '/api/bookings/bk-1/payment', {
      ...started,
      gateway: 'paypal',
      method: 'paypal',
      intentId: 'ORDER-77',
    });
    fake.on('POST', '/api/payments/bk-1/paypal-capture', json({ paymentId: 'bk-1', status: 'SUCCEEDED' }));
    let options: { createOrder: () => Promise<string>; onApprove: (d: { orderID: string }) => Promise<void> } | null =
      null;
    window.paypal = {
      Buttons: (o) => {
        options = o;
        return { render: async () => undefined, isEligible: () => true };
      },
    };
    const pinia = await signedInAs(fake, 'customer-alice');
    const { wrapper } = await mountApp(CheckoutView, { pinia, props: { id: 'bk-1' }, path: '/checkout/bk-1' });
    await flush(10);
    expect(wrapper.find('[data-sandbox-form]').exists()).toBe(true);
    await wrapper.find('input[name="pay-method"][value="paypal"]').setValue(true);
    await flush(10);
    expect(loaded).toEqual([
      'https://www.paypal.com/sdk/js?client-id=paypal-client-1&currency=EUR&intent=capture&components=buttons',
    ]);
    expect(await options!.createOrder()).toBe('ORDER-77');
    expect(fake.called('POST', '/api/bookings/bk-1/payment')[0]!.body).toEqual({ method: 'paypal' });
    fake.on('GET', '/api/bookings/bk-1', confirmed);
    fake.on('GET', '/api/bookings/bk-1/receipts', { items: [] });
    await options!.onApprove({ orderID: 'ORDER-77' });
    expect(fake.called('POST', '/api/payments/bk-1/paypal-capture')).toHaveLength(1);
    await vi.waitFor(() => expect(wrapper.find('[data-confirmed]').exists()).toBe(true));
  });

  it('follows the live stream: a CONFIRMED booking pushed by the server ends the checkout', async () => {
    fake.on('GET', '/api/payments/config', { gateway: 'sandbox', publishableKey: null, sandbox: true });
    fake.on('GET', '/api/bookings/bk-1/receipts', { items: [] });
    let push: ((text: string) => void) | null = null;
    fake.on('GET', '/api/live/bookings', (req) => {
      expect(req.query.get('bookingId')).toBe('bk-1');
      expect(req.headers.authorization).toMatch(/^Bearer /);
      return new Response(
        new ReadableStream({
          start(c) {
            push = (t) => c.enqueue(new TextEncoder().encode(t));
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    });
    const pinia = await signedInAs(fake, 'customer-alice');
    const { wrapper } = await mountApp(CheckoutView, { pinia, props: { id: 'bk-1' }, path: '/checkout/bk-1' });
    await flush(10);
    expect(wrapper.find('[data-checkout]').attributes('data-phase')).toBe('pay');
    expect(wrapper.find('[data-live="open"]').exists()).toBe(true);
    push!(`event: booking\nid: 12\ndata: ${JSON.stringify(confirmed)}\n\n`);
    await vi.waitFor(() => expect(wrapper.find('[data-confirmed]').exists()).toBe(true));
    wrapper.unmount();
  });
});
