/**
 * A small client of PayPal's REST API over fetch: an OAuth2 client-credentials token
 * (POST /v1/oauth2/token, cached until shortly before it expires, fetched once however
 * many requests wait for it), JSON requests with the `PayPal-Request-Id` idempotency
 * header, and PayPal's error bodies turned into PayPalApiError.
 *
 * Only idempotent requests (GET, a read-only POST, or a POST carrying a PayPal-Request-Id)
 * are retried, on network errors, 429 and 5xx: PayPal answers a replayed request id with
 * the first result.
 */

export const PAYPAL_SANDBOX_API_URL = 'https://api-m.sandbox.paypal.com';

export interface PayPalRequestInfo {
  method: string;
  path: string;
  requestId: string | null;
  status: number | null;
}

export interface PayPalClientOptions {
  clientId: string;
  clientSecret: string;
  /** base URL without a trailing path (default: PayPal's sandbox) */
  apiUrl?: string | null;
  timeoutMs?: number;
  /** retries of idempotent requests (default 2) */
  maxRetries?: number;
  /** sees every API response or network failure: logs and tests */
  onRequest?: (info: PayPalRequestInfo) => void;
  /** milliseconds since the epoch (token expiry) */
  now?: () => number;
  /** waits between retries (tests pass a no-op) */
  sleep?: (ms: number) => Promise<void>;
}

export interface PayPalRequest {
  /** serialised as JSON; or `rawJson`, sent as given (it must already be JSON) */
  body?: unknown;
  rawJson?: string;
  /** the PayPal-Request-Id header: PayPal answers a repeat with the first result */
  requestId?: string;
  /** `return=representation` asks for the whole resource */
  prefer?: 'return=minimal' | 'return=representation';
  /** a POST that changes nothing (a check), so retrying it is safe without a request id */
  readOnly?: boolean;
}

/** A non-2xx answer: PayPal's `name` (e.g. UNPROCESSABLE_ENTITY), its first `details[].issue`
 *  (e.g. INSTRUMENT_DECLINED) and `debug_id` for PayPal support. */
export class PayPalApiError extends Error {
  override readonly name = 'PayPalApiError';
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly issue: string | null,
    readonly debugId: string | null,
    message: string,
  ) {
    super(message);
  }
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** PayPal-Request-Id allows at most 108 characters: longer keys are shortened stably. */
export function payPalRequestId(idempotencyKey: string): string {
  if (idempotencyKey.length <= 108) return idempotencyKey;
  let hash = 0x811c9dc5;
  for (const ch of idempotencyKey) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${idempotencyKey.slice(0, 96)}-${hash.toString(16).padStart(8, '0')}`;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

export class PayPalClient {
  readonly apiUrl: string;
  private token: CachedToken | null = null;
  private tokenRequest: Promise<string> | null = null;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PayPalClientOptions) {
    this.apiUrl = (options.apiUrl ?? PAYPAL_SANDBOX_API_URL).replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async request<T>(method: 'GET' | 'POST', path: string, request: PayPalRequest = {}): Promise<T> {
    const idempotent = method === 'GET' || request.readOnly === true || request.requestId !== undefined;
    const maxRetries = idempotent ? (this.options.maxRetries ?? 2) : 0;
    let renewedToken = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      let body: string | undefined;
      if (method === 'POST') {
        headers['content-type'] = 'application/json';
        body = request.rawJson ?? JSON.stringify(request.body ?? {});
      }
      if (request.requestId !== undefined) headers['paypal-request-id'] = payPalRequestId(request.requestId);
      if (request.prefer) headers.prefer = request.prefer;
      let response: Response;
      try {
        response = await fetch(`${this.apiUrl}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
        });
      } catch (err) {
        this.report(method, path, request, null);
        if (attempt < maxRetries) {
          await this.sleep(200 * 2 ** attempt);
          continue;
        }
        throw new Error(`PayPal ${method} ${path} failed: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      this.report(method, path, request, response.status);
      // an expired or revoked token: fetch a new one once
      if (response.status === 401 && !renewedToken) {
        renewedToken = true;
        this.token = null;
        await response.body?.cancel();
        attempt--;
        continue;
      }
      if (RETRYABLE(response.status) && attempt < maxRetries) {
        await response.body?.cancel();
        await this.sleep(200 * 2 ** attempt);
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw apiError(response.status, text, `${method} ${path}`);
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }

  private report(method: string, path: string, request: PayPalRequest, status: number | null): void {
    this.options.onRequest?.({
      method,
      path,
      requestId: request.requestId === undefined ? null : payPalRequestId(request.requestId),
      status,
    });
  }

  /** The cached token, or one new token request shared by every caller waiting for it. */
  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return this.token.value;
    this.tokenRequest ??= this.fetchToken().finally(() => {
      this.tokenRequest = null;
    });
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<string> {
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    const path = '/v1/oauth2/token';
    const response = await fetch(`${this.apiUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
    });
    this.options.onRequest?.({ method: 'POST', path, requestId: null, status: response.status });
    const text = await response.text();
    if (!response.ok) throw apiError(response.status, text, 'the OAuth2 token request');
    const parsed = JSON.parse(text) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string' || typeof parsed.expires_in !== 'number')
      throw new Error('PayPal answered the token request without access_token and expires_in');
    // renewed a minute early (or halfway through a short-lived token) so no request carries a stale one
    const margin = Math.min(60, parsed.expires_in / 2) * 1000;
    this.token = { value: parsed.access_token, expiresAt: this.now() + parsed.expires_in * 1000 - margin };
    return parsed.access_token;
  }
}

function apiError(status: number, text: string, what: string): PayPalApiError {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  // REST errors: { name, message, debug_id, details: [{ issue, description }] };
  // OAuth errors: { error, error_description }
  const details = Array.isArray(body.details) ? (body.details as Record<string, unknown>[]) : [];
  const issue = typeof details[0]?.issue === 'string' ? details[0].issue : null;
  const errorName =
    typeof body.name === 'string' ? body.name : typeof body.error === 'string' ? body.error : `HTTP_${status}`;
  const message =
    (typeof details[0]?.description === 'string' ? details[0].description : null) ??
    (typeof body.message === 'string' ? body.message : null) ??
    (typeof body.error_description === 'string' ? body.error_description : null) ??
    `HTTP ${status}`;
  const debugId = typeof body.debug_id === 'string' ? body.debug_id : null;
  return new PayPalApiError(
    status,
    errorName,
    issue,
    debugId,
    `PayPal refused ${what}: ${issue ?? errorName}: ${message}`,
  );
}
