/**
 * A local stand-in for the PayPal REST API (node:http), for tests without network. It
 * checks what PayPal's reference documents for each call and answers 400 with the fault
 * when a request departs from it (the fault is also kept in `problems`), so a test cannot
 * pass on a request the real API would refuse:
 * - POST /v1/oauth2/token: Basic client credentials, form-encoded grant_type=client_credentials
 * - every other call: a Bearer token this server issued and still honours
 * - POST bodies: Content-Type application/json; create/capture/refund need PayPal-Request-Id
 *   (a repeated id answers the first result, as PayPal does)
 * - POST /v2/checkout/orders: intent CAPTURE, one purchase unit, amount {currency_code,
 *   value} with exactly the currency's decimals, reference_id/custom_id lengths
 * - POST /v2/checkout/orders/:id/capture: only an APPROVED order (the buyer approves it
 *   here with `approve`); scripted outcomes for declines and pending captures
 * - POST /v2/payments/captures/:id/refund: within what is left of the capture
 * - POST /v1/notifications/verify-webhook-signature: every field; SUCCESS only for an event
 *   signed with `signWebhook` for the configured webhook id, unchanged since
 */
import http from 'node:http';
import { createHash, createHmac, randomBytes } from 'node:crypto';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type ScriptedCapture = 'COMPLETED' | 'PENDING' | 'DECLINED' | 'INSTRUMENT_DECLINED';

export interface PayPalApiServer {
  url: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  requests: RecordedRequest[];
  /** what the server refused as departing from the documented request shape */
  problems: string[];
  orders: Map<string, Json>;
  /** the next capture's outcome (then COMPLETED) */
  captureScript: ScriptedCapture[];
  /** answers to give before handling requests whose path matches (e.g. a 503 once) */
  failures: { path: RegExp; status: number; body?: Json }[];
  /** how many tokens were issued */
  tokensIssued(): number;
  /** forget every issued token: the next API call gets 401 */
  revokeTokens(): void;
  /** the buyer approves the order in PayPal's window */
  approve(orderId: string): void;
  /** a webhook delivery for `event`: the raw body and PayPal's transmission headers */
  signWebhook(event: Json, options?: { webhookId?: string }): { body: string; headers: Record<string, string> };
  close(): Promise<void>;
}

export interface PayPalApiServerOptions {
  clientId?: string;
  clientSecret?: string;
  webhookId?: string;
  tokenTtlSeconds?: number;
}

/** PayPal's decimals per currency (whole units only for HUF, JPY, TWD), written out here
 *  rather than taken from the code under test. */
const DECIMALS: Record<string, number> = { HUF: 0, JPY: 0, TWD: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };
const decimalsOf = (currency: string) => DECIMALS[currency] ?? 2;
const VALUE = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/;

function paypalId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(17)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Faults of a PayPal money object, and its value in minor units. */
function checkAmount(amount: unknown, at: string, faults: string[]): { currency: string; minor: number } | null {
  const a = amount as Json | undefined;
  if (!a || typeof a !== 'object') {
    faults.push(`${at} is required`);
    return null;
  }
  if (typeof a.currency_code !== 'string' || !/^[A-Z]{3}$/.test(a.currency_code))
    faults.push(`${at}.currency_code must be a three-letter ISO 4217 code`);
  if (typeof a.value !== 'string' || !VALUE.test(a.value) || a.value.length > 32) {
    faults.push(`${at}.value must be a decimal string`);
    return null;
  }
  const currency = String(a.currency_code);
  const decimals = decimalsOf(currency);
  const [whole, fraction = ''] = a.value.split('.');
  if (fraction.length !== decimals)
    faults.push(`${at}.value ${a.value} must have exactly ${decimals} decimals for ${currency} (DECIMAL_PRECISION)`);
  return { currency, minor: Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0') };
}

function money(currency: string, minor: number): Json {
  const decimals = decimalsOf(currency);
  const digits = String(minor).padStart(decimals + 1, '0');
  return {
    currency_code: currency,
    value: decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`,
  };
}

export async function startPayPalApiServer(options: PayPalApiServerOptions = {}): Promise<PayPalApiServer> {
  const clientId = options.clientId ?? 'test-client-id-0123456789';
  const clientSecret = options.clientSecret ?? 'test-client-secret-0123456789';
  const webhookId = options.webhookId ?? '8PT597110X687430L';
  const signingKey = randomBytes(32);
  const tokens = new Map<string, number>();
  let issued = 0;
  const orders = new Map<string, Json>();
  const captures = new Map<string, { capture: Json; orderId: string; minor: number; refunded: number }>();
  /** answers by PayPal-Request-Id: a repeat gets the first answer */
  const replies = new Map<string, { status: number; body: Json }>();
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const captureScript: ScriptedCapture[] = [];
  const failures: PayPalApiServer['failures'] = [];
  let base = '';

  const signature = (transmissionId: string, time: string, hookId: string, event: unknown) =>
    createHmac('sha256', signingKey)
      .update(`${transmissionId}|${time}|${hookId}|${createHash('sha256').update(JSON.stringify(event)).digest('hex')}`)
      .digest('base64');

  const orderView = (order: Json, prefer: string | undefined): Json =>
    prefer === 'return=representation' ? order : { id: order.id, status: order.status, links: order.links };

  function createOrder(body: Json, faults: string[]): { status: number; body: Json } {
    if (body.intent !== 'CAPTURE' && body.intent !== 'AUTHORIZE') faults.push('intent must be CAPTURE or AUTHORIZE');
    const units = body.purchase_units;
    if (!Array.isArray(units) || units.length < 1 || units.length > 10) {
      faults.push('purchase_units must hold 1 to 10 purchase units');
      return { status: 400, body: {} };
    }
    const unit = units[0] as Json;
    checkAmount(unit.amount, 'purchase_units[0].amount', faults);
    for (const [field, max] of [
      ['reference_id', 256],
      ['custom_id', 127],
      ['description', 127],
    ] as const) {
      const v = unit[field];
      if (v !== undefined && (typeof v !== 'string' || v.length < 1 || v.length > max))
        faults.push(`purchase_units[0].${field} must be a string of 1 to ${max} characters`);
    }
    if (faults.length) return { status: 400, body: {} };
    const id = paypalId();
    const order: Json = {
      id,
      intent: body.intent,
      status: 'CREATED',
      purchase_units: [{ ...unit, reference_id: unit.reference_id ?? 'default' }],
      create_time: new Date().toISOString(),
      links: [
        { href: `${base}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
        { href: `https://www.sandbox.paypal.com/checkoutnow?token=${id}`, rel: 'approve', method: 'GET' },
        { href: `${base}/v2/checkout/orders/${id}`, rel: 'update', method: 'PATCH' },
        { href: `${base}/v2/checkout/orders/${id}/capture`, rel: 'capture', method: 'POST' },
      ],
    };
    orders.set(id, order);
    return { status: 201, body: order };
  }

  function unprocessable(issue: string, description: string): { status: number; body: Json } {
    return {
      status: 422,
      body: {
        name: 'UNPROCESSABLE_ENTITY',
        message: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
        debug_id: randomBytes(6).toString('hex'),
        details: [{ issue, description }],
      },
    };
  }

  function captureOrder(orderId: string): { status: number; body: Json } {
    const order = orders.get(orderId);
    if (!order) return notFound();
    if (order.status === 'COMPLETED')
      return unprocessable('ORDER_ALREADY_CAPTURED', 'Order already captured. Only one capture per order.');
    if (order.status !== 'APPROVED')
      return unprocessable('ORDER_NOT_APPROVED', 'The payer has not yet approved the order for payment.');
    const scripted = captureScript.shift() ?? 'COMPLETED';
    if (scripted === 'INSTRUMENT_DECLINED')
      return unprocessable('INSTRUMENT_DECLINED', 'The funding instrument was declined; the payer may choose another.');
    const unit = (order.purchase_units as Json[])[0]!;
    const amount = unit.amount as { currency_code: string; value: string };
    const id = paypalId();
    const capture: Json = {
      id,
      status: scripted,
      amount,
      final_capture: true,
      ...(unit.custom_id ? { custom_id: unit.custom_id } : {}),
      ...(scripted === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
      ...(scripted === 'DECLINED' ? { status_details: { reason: 'OTHER' } } : {}),
      supplementary_data: { related_ids: { order_id: orderId } },
      links: [
        { href: `${base}/v2/payments/captures/${id}`, rel: 'self', method: 'GET' },
        { href: `${base}/v2/payments/captures/${id}/refund`, rel: 'refund', method: 'POST' },
        { href: `${base}/v2/checkout/orders/${orderId}`, rel: 'up', method: 'GET' },
      ],
    };
    const decimals = decimalsOf(amount.currency_code);
    const [whole, fraction = ''] = amount.value.split('.');
    captures.set(id, {
      capture,
      orderId,
      minor: Number(whole) * 10 ** decimals + Number(fraction || '0'),
      refunded: 0,
    });
    unit.payments = { captures: [...(((unit.payments as Json | undefined)?.captures as Json[]) ?? []), capture] };
    order.status = 'COMPLETED';
    return { status: 201, body: order };
  }

  function refundCapture(captureId: string, body: Json, faults: string[]): { status: number; body: Json } {
    const entry = captures.get(captureId);
    if (!entry) return notFound();
    if (!['COMPLETED', 'PARTIALLY_REFUNDED'].includes(String(entry.capture.status)))
      return unprocessable('CAPTURE_FULLY_REFUNDED', 'The capture cannot be refunded in its status.');
    const currency = (entry.capture.amount as Json).currency_code as string;
    let minor = entry.minor - entry.refunded;
    if (body.amount !== undefined) {
      const parsed = checkAmount(body.amount, 'amount', faults);
      if (parsed && parsed.currency !== currency) faults.push(`amount.currency_code must be ${currency}`);
      if (parsed) minor = parsed.minor;
    }
    if (body.custom_id !== undefined && (typeof body.custom_id !== 'string' || body.custom_id.length > 127))
      faults.push('custom_id must be a string of at most 127 characters');
    if (faults.length) return { status: 400, body: {} };
    if (minor <= 0 || minor > entry.minor - entry.refunded)
      return unprocessable('REFUND_AMOUNT_EXCEEDED', 'The refund amount must be at most what is left of the capture.');
    entry.refunded += minor;
    entry.capture.status = entry.refunded >= entry.minor ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    const id = paypalId();
    const refund: Json = {
      id,
      status: 'COMPLETED',
      amount: money(currency, minor),
      ...(body.custom_id ? { custom_id: body.custom_id } : {}),
      seller_payable_breakdown: {
        gross_amount: money(currency, minor),
        total_refunded_amount: money(currency, entry.refunded),
      },
      links: [
        { href: `${base}/v2/payments/refunds/${id}`, rel: 'self', method: 'GET' },
        { href: `${base}/v2/payments/captures/${captureId}`, rel: 'up', method: 'GET' },
      ],
    };
    return { status: 201, body: refund };
  }

  function verifySignature(body: Json, faults: string[]): { status: number; body: Json } {
    const fields = ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id'];
    for (const f of fields) if (typeof body[f] !== 'string' || !body[f]) faults.push(`${f} is required`);
    if (!body.webhook_event || typeof body.webhook_event !== 'object') faults.push('webhook_event must be an object');
    if (typeof body.auth_algo === 'string' && !/^[a-zA-Z0-9]+$/.test(body.auth_algo))
      faults.push('auth_algo must be letters and digits');
    if (typeof body.webhook_id === 'string' && !/^[a-zA-Z0-9]+$/.test(body.webhook_id))
      faults.push('webhook_id must be letters and digits');
    if (typeof body.cert_url === 'string' && !/^https:\/\//.test(body.cert_url)) faults.push('cert_url must be a URI');
    if (typeof body.transmission_time === 'string' && Number.isNaN(Date.parse(body.transmission_time)))
      faults.push('transmission_time must be a date-time');
    if (faults.length) return { status: 400, body: {} };
    const expected = signature(
      String(body.transmission_id),
      String(body.transmission_time),
      String(body.webhook_id),
      body.webhook_event,
    );
    const ok =
      body.webhook_id === webhookId && body.auth_algo === 'SHA256withRSA' && body.transmission_sig === expected;
    return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
  }

  function notFound(): { status: number; body: Json } {
    return {
      status: 404,
      body: {
        name: 'RESOURCE_NOT_FOUND',
        message: 'The specified resource does not exist.',
        details: [{ issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist.' }],
      },
    };
  }

  function handle(req: http.IncomingMessage, raw: string): { status: number; body: Json } {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const faults: string[] = [];
    const refuse = () => {
      problems.push(...faults.map((f) => `${method} ${path}: ${f}`));
      return {
        status: 400,
        body: {
          name: 'INVALID_REQUEST',
          message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
          details: faults.map((f) => ({ issue: 'INVALID_PARAMETER_VALUE', description: f })),
        },
      };
    };

    const failure = failures.findIndex((f) => f.path.test(path));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return { status: f!.status, body: f!.body ?? { name: 'INTERNAL_SERVER_ERROR' } };
    }

    if (method === 'POST' && path === '/v1/oauth2/token') {
      const auth = req.headers.authorization ?? '';
      const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
        faults.push('Content-Type must be application/x-www-form-urlencoded');
      if (new URLSearchParams(raw).get('grant_type') !== 'client_credentials')
        faults.push('grant_type must be client_credentials');
      if (faults.length) return refuse();
      if (decoded !== `${clientId}:${clientSecret}`)
        return { status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } };
      const token = `A21AA${randomBytes(24).toString('base64url')}`;
      const ttl = options.tokenTtlSeconds ?? 32_400;
      tokens.set(token, Date.now() + ttl * 1000);
      issued++;
      return {
        status: 200,
        body: {
          scope: 'https://uri.paypal.com/services/payments/payment',
          access_token: token,
          token_type: 'Bearer',
          app_id: 'APP-80W284485P519543T',
          expires_in: ttl,
          nonce: randomBytes(8).toString('hex'),
        },
      };
    }

    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (expiry === undefined || expiry < Date.now())
      return {
        status: 401,
        body: {
          name: 'AUTHENTICATION_FAILURE',
          message: 'Authentication failed due to invalid authentication credentials.',
        },
      };

    let body: Json = {};
    if (method === 'POST') {
      if (!String(req.headers['content-type']).startsWith('application/json'))
        faults.push('Content-Type must be application/json');
      try {
        body = raw ? (JSON.parse(raw) as Json) : {};
      } catch {
        faults.push('the body is not JSON');
      }
      if (faults.length) return refuse();
    }

    const requestId = req.headers['paypal-request-id'] as string | undefined;
    const idempotent = (run: () => { status: number; body: Json }) => {
      if (!requestId) {
        faults.push('PayPal-Request-Id header is required (idempotent retries)');
        return refuse();
      }
      if (requestId.length > 108) {
        faults.push('PayPal-Request-Id must be at most 108 characters');
        return refuse();
      }
      const key = `${path}:${requestId}`;
      const previous = replies.get(key);
      if (previous) return previous;
      const answer = run();
      if (faults.length) return refuse();
      replies.set(key, answer);
      return answer;
    };
    const prefer = req.headers.prefer as string | undefined;

    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v2/checkout/orders') {
      const answer = idempotent(() => createOrder(body, faults));
      return answer.status < 300 ? { status: answer.status, body: orderView(answer.body, prefer) } : answer;
    }
    if (method === 'GET' && (m = /^\/v2\/checkout\/orders\/([A-Z0-9]+)$/.exec(path))) {
      const order = orders.get(m[1]!);
      return order ? { status: 200, body: order } : notFound();
    }
    if (method === 'POST' && (m = /^\/v2\/checkout\/orders\/([A-Z0-9]+)\/capture$/.exec(path))) {
      const id = m[1]!;
      return idempotent(() => captureOrder(id));
    }
    if (method === 'GET' && (m = /^\/v2\/payments\/captures\/([A-Z0-9]+)$/.exec(path))) {
      const entry = captures.get(m[1]!);
      return entry ? { status: 200, body: entry.capture } : notFound();
    }
    if (method === 'POST' && (m = /^\/v2\/payments\/captures\/([A-Z0-9]+)\/refund$/.exec(path))) {
      const id = m[1]!;
      return idempotent(() => refundCapture(id, body, faults));
    }
    if (method === 'POST' && path === '/v1/notifications/verify-webhook-signature') {
      const answer = verifySignature(body, faults);
      return faults.length ? refuse() : answer;
    }
    return notFound();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: raw });
      const answer = handle(req, raw);
      res.writeHead(answer.status, { 'content-type': 'application/json', 'paypal-debug-id': 'local' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url: base,
    clientId,
    clientSecret,
    webhookId,
    requests,
    problems,
    orders,
    captureScript,
    failures,
    tokensIssued: () => issued,
    revokeTokens: () => tokens.clear(),
    approve(orderId) {
      const order = orders.get(orderId);
      if (!order) throw new Error(`no PayPal order ${orderId}`);
      if (order.status !== 'CREATED' && order.status !== 'APPROVED')
        throw new Error(`order ${orderId} is ${String(order.status)}`);
      order.status = 'APPROVED';
    },
    signWebhook(event, opts = {}) {
      const transmissionId = `${randomBytes(4).toString('hex')}-d67a-11e5-baa3-778b53f4ae55`;
      const time = new Date().toISOString();
      const body = JSON.stringify(event);
      return {
        body,
        headers: {
          'paypal-auth-algo': 'SHA256withRSA',
          'paypal-cert-url': 'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-local',
          'paypal-transmission-id': transmissionId,
          'paypal-transmission-time': time,
          'paypal-transmission-sig': signature(transmissionId, time, opts.webhookId ?? webhookId, JSON.parse(body)),
        },
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
