/**
 * Verifying PayPal webhooks with PayPal's verify-webhook-signature API: the transmission
 * headers, our webhook id and the event go to POST /v1/notifications/verify-webhook-signature,
 * which answers SUCCESS or FAILURE. The event is passed on as the exact bytes received
 * (re-serialising parsed JSON can change them, and the signature covers them).
 */
import type { PayPalClient } from './paypal-client.js';
import { PayPalApiError } from './paypal-client.js';
import { WebhookSignatureError } from './webhook-signature-error.js';

/** The headers PayPal sends with every webhook delivery (lower case, as node reads them). */
export const PAYPAL_WEBHOOK_HEADERS = {
  authAlgo: 'paypal-auth-algo',
  certUrl: 'paypal-cert-url',
  transmissionId: 'paypal-transmission-id',
  transmissionSig: 'paypal-transmission-sig',
  transmissionTime: 'paypal-transmission-time',
} as const;

export type PayPalWebhookHeaders = Record<keyof typeof PAYPAL_WEBHOOK_HEADERS, string>;

/** The parts of a PayPal webhook event we read; `resource` is the capture or refund. */
export interface PayPalWebhookEvent {
  id: string;
  event_type: string;
  resource_type?: string;
  create_time?: string;
  resource: Record<string, unknown>;
}

/** The transmission headers, or WebhookSignatureError naming the first one missing. */
export function payPalWebhookHeaders(header: (name: string) => string | undefined): PayPalWebhookHeaders {
  const out: Partial<PayPalWebhookHeaders> = {};
  for (const [key, name] of Object.entries(PAYPAL_WEBHOOK_HEADERS) as [keyof PayPalWebhookHeaders, string][]) {
    const value = header(name)?.trim();
    if (!value) throw new WebhookSignatureError(`the ${name} header is missing`);
    out[key] = value;
  }
  return out as PayPalWebhookHeaders;
}

function parseEvent(rawBody: string): PayPalWebhookEvent {
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw new WebhookSignatureError('the body is not JSON');
  }
  const e = event as Partial<PayPalWebhookEvent> | null;
  if (
    !e ||
    typeof e !== 'object' ||
    typeof e.id !== 'string' ||
    typeof e.event_type !== 'string' ||
    !e.resource ||
    typeof e.resource !== 'object'
  )
    throw new WebhookSignatureError('the body is not a PayPal webhook event (id, event_type, resource)');
  return e as PayPalWebhookEvent;
}

/**
 * Returns the verified event, or throws WebhookSignatureError (not JSON, headers missing,
 * or PayPal does not vouch for it). Other failures (PayPal unreachable, our credentials
 * refused) are thrown as they are, so the delivery fails and PayPal retries it.
 */
export async function verifyPayPalWebhook(
  client: PayPalClient,
  webhookId: string,
  headers: PayPalWebhookHeaders,
  rawBody: string,
): Promise<PayPalWebhookEvent> {
  const event = parseEvent(rawBody);
  const fields = JSON.stringify({
    auth_algo: headers.authAlgo,
    cert_url: headers.certUrl,
    transmission_id: headers.transmissionId,
    transmission_sig: headers.transmissionSig,
    transmission_time: headers.transmissionTime,
    webhook_id: webhookId,
  });
  // the received bytes as webhook_event, appended to the other fields' JSON object
  const rawJson = `${fields.slice(0, -1)},"webhook_event":${rawBody}}`;
  let answer: { verification_status?: unknown };
  try {
    answer = await client.request('POST', '/v1/notifications/verify-webhook-signature', { rawJson, readOnly: true });
  } catch (err) {
    // PayPal refusing the headers themselves (malformed signature, time) is a bad signature
    if (err instanceof PayPalApiError && err.status === 400)
      throw new WebhookSignatureError(`PayPal refused the transmission headers: ${err.message}`);
    throw err;
  }
  if (answer.verification_status !== 'SUCCESS')
    throw new WebhookSignatureError(`PayPal answered ${String(answer.verification_status)} for the signature`);
  return event;
}
