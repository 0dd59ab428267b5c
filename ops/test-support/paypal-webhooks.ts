/**
 * PayPal webhook helpers for HTTP tests: PayPal-shaped events (as PayPal's webhook samples
 * show them), signed by the local PayPal API stand-in so its verify-webhook-signature
 * endpoint vouches for them.
 */
import { randomUUID } from 'node:crypto';
import type { PayPalApiServer } from '../../shared-kernel/test/support/paypal-api-server.js';
import type { Harness } from './harness.js';

export const PAYPAL_WEBHOOK_PATH = '/api/payments/webhooks/paypal';

/** the harness env that offers PayPal against the local stand-in */
export function payPalEnv(server: PayPalApiServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PAYPAL_CLIENT_ID: server.clientId,
    PAYPAL_CLIENT_SECRET: server.clientSecret,
    PAYPAL_WEBHOOK_ID: server.webhookId,
    PAYPAL_API_URL: server.url,
    ...extra,
  };
}

export function payPalEvent(eventType: string, resourceType: string, resource: Record<string, unknown>) {
  return {
    id: `WH-${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`,
    event_version: '1.0',
    create_time: new Date().toISOString(),
    resource_type: resourceType,
    resource_version: '2.0',
    event_type: eventType,
    summary: `${eventType} (test)`,
    resource,
    links: [],
  };
}

/** A capture resource as PayPal reports it (status COMPLETED, DECLINED, PENDING, …). */
export function captureResource(
  server: PayPalApiServer,
  captureId: string,
  orderId: string,
  value: string,
  status: string,
  customId: string | null,
) {
  return {
    id: captureId,
    status,
    amount: { currency_code: 'EUR', value },
    final_capture: true,
    ...(customId ? { custom_id: customId } : {}),
    ...(status === 'DECLINED' ? { status_details: { reason: 'OTHER' } } : {}),
    supplementary_data: { related_ids: { order_id: orderId } },
    links: [
      { href: `${server.url}/v2/payments/captures/${captureId}`, rel: 'self', method: 'GET' },
      { href: `${server.url}/v2/checkout/orders/${orderId}`, rel: 'up', method: 'GET' },
    ],
  };
}

/** A refund resource: `totalRefunded` is what the capture has had refunded in all. */
export function refundResource(
  server: PayPalApiServer,
  captureId: string,
  value: string,
  totalRefunded: string,
  customId: string | null,
) {
  return {
    id: `RF${randomUUID().replace(/-/g, '').slice(0, 15).toUpperCase()}`,
    status: 'COMPLETED',
    amount: { currency_code: 'EUR', value },
    ...(customId ? { custom_id: customId } : {}),
    seller_payable_breakdown: {
      gross_amount: { currency_code: 'EUR', value },
      total_refunded_amount: { currency_code: 'EUR', value: totalRefunded },
    },
    links: [{ href: `${server.url}/v2/payments/captures/${captureId}`, rel: 'up', method: 'GET' }],
  };
}

export async function postPayPalWebhook(
  h: Harness,
  server: PayPalApiServer,
  event: Record<string, unknown>,
  options: { tamper?: (body: string) => string; webhookId?: string; without?: string } = {},
) {
  const signed = server.signWebhook(event, options.webhookId ? { webhookId: options.webhookId } : {});
  const req = h.http.post(PAYPAL_WEBHOOK_PATH).set('content-type', 'application/json');
  for (const [name, value] of Object.entries(signed.headers)) if (name !== options.without) req.set(name, value);
  return req.send(options.tamper ? options.tamper(signed.body) : signed.body);
}
