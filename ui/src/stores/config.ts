/**
 * What this deployment has configured: social sign-in, TikTok Pixel, Maps (GET /api/config)
 * and the payment gateways (GET /api/payments/config). Loaded once; an unreachable or
 * older server counts as "nothing optional configured", and the reason is kept.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import type { ClientConfig, PaymentsConfig } from '../lib/types';

export const NOTHING_CONFIGURED: ClientConfig = {
  signIn: { google: null, apple: null },
  tiktokPixel: null,
  maps: null,
  demoSignIn: false,
};

export const SANDBOX_PAYMENTS: PaymentsConfig = { gateway: 'sandbox', publishableKey: null, sandbox: true };

export const useConfigStore = defineStore('config', () => {
  const client = ref<ClientConfig>(NOTHING_CONFIGURED);
  const payments = ref<PaymentsConfig>(SANDBOX_PAYMENTS);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    loading ??= (async () => {
      const [c, p] = await Promise.allSettled([
        api.get<ClientConfig>('/api/config', { anonymous: true, ignorePosition: true }),
        api.get<PaymentsConfig>('/api/payments/config', { anonymous: true, ignorePosition: true }),
      ]);
      if (c.status === 'fulfilled') client.value = { ...NOTHING_CONFIGURED, ...c.value };
      else error.value = toApiError(c.reason);
      if (p.status === 'fulfilled') payments.value = { ...SANDBOX_PAYMENTS, ...p.value };
      else error.value ??= toApiError(p.reason);
      loaded.value = true;
    })();
    return loading;
  }

  return { client, payments, loaded, error, load };
});
