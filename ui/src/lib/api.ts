/**
 * The one HTTP client of the SPA. It adds the bearer token, turns
 * `application/problem+json` answers into `ApiError`s whose field errors forms show next
 * to the offending input, and carries read-your-writes: every command answers with a
 * global `position`, and the reads after it send it back as `X-Min-Position`.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldProblem[];
  correlationId?: string;
  instance?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** the platform's short code, e.g. `sold-out`, `hold-expired`, `validation` */
  readonly code: string;
  readonly errors: FieldProblem[];
  readonly correlationId: string | undefined;

  constructor(status: number, problem: ProblemDocument) {
    const title = problem.title ?? (status === 0 ? 'Network error' : `Request failed (${status})`);
    const detail = problem.detail ?? '';
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.type = problem.type ?? 'about:blank';
    this.title = title;
    this.detail = detail;
    this.code = problem.code ?? codeFromType(this.type) ?? (status === 0 ? 'network' : `http-${status}`);
    this.errors = Array.isArray(problem.errors)
      ? problem.errors.filter(
          (e): e is FieldProblem => !!e && typeof e.field === 'string' && typeof e.message === 'string',
        )
      : [];
    this.correlationId = problem.correlationId;
  }

  /** First message per field, keyed by the API's field path (`price.amount`, `schedule.weeklyRules[0].windows[1].end`). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) out[e.field] ??= humanize(e.message);
    return out;
  }

  /** The message for `field` or for anything under it (`price` matches `price.amount`). */
  messageFor(field: string): string | undefined {
    const hit = this.errors.find(
      (e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`),
    );
    return hit ? humanize(hit.message) : undefined;
  }

  /** What to show in a form's summary: the detail, unless every field error is already shown. */
  get summary(): string {
    if (this.status === 0) return 'Could not reach the server. Check your connection and try again.';
    if (this.code === 'validation' && this.errors.length > 0) return 'Please correct the highlighted fields.';
    return this.detail ? capitalize(this.detail) : this.title;
  }
}

function codeFromType(type: string): string | undefined {
  const last = type.split('/').filter(Boolean).pop();
  return last && last !== 'about:blank' ? last : undefined;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** class-validator says "amount must be an integer number": keep it, capitalized. */
function humanize(message: string): string {
  return capitalize(message);
}

/** Builds an ApiError from any fetch outcome that was not ok. */
export async function problemFromResponse(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  let doc: ProblemDocument = {};
  try {
    if (type.includes('json')) {
      const body = (await res.json()) as unknown;
      if (body && typeof body === 'object') doc = body as ProblemDocument;
    } else {
      const text = await res.text();
      if (text) doc = { detail: text.slice(0, 300) };
    }
  } catch {
    // an unreadable body still makes an error with the status
  }
  return new ApiError(res.status, doc);
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Any thrown value as an ApiError, so views handle one kind of error. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DOMException && err.name === 'AbortError')
    return new ApiError(0, { title: 'Cancelled', code: 'aborted' });
  return new ApiError(0, {
    title: 'Network error',
    detail: err instanceof Error ? err.message : String(err),
    code: 'network',
  });
}

/* ---------------------------------------------------------------------------------- */

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query | URLSearchParams;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** send no X-Min-Position even if a write happened before */
  ignorePosition?: boolean;
  /** send no bearer token (public endpoints an analyst-only token would be refused on) */
  anonymous?: boolean;
}

interface ClientState {
  token: string | null;
  /** the latest position a command of this tab answered with */
  position: string | null;
  onUnauthorized: (() => void) | null;
  /** renews the access token after a 401; true when a new one is in place */
  refresh: (() => Promise<boolean>) | null;
  fetch: typeof fetch;
  baseUrl: string;
}

const state: ClientState = {
  token: null,
  position: null,
  onUnauthorized: null,
  refresh: null,
  fetch: (...args) => globalThis.fetch(...args),
  baseUrl: '',
};

export function setAuthToken(token: string | null): void {
  state.token = token;
}

export function onUnauthorized(handler: (() => void) | null): void {
  state.onUnauthorized = handler;
}

/** How a request that got 401 renews the token before it tries once more. */
export function setTokenRefresher(refresh: (() => Promise<boolean>) | null): void {
  state.refresh = refresh;
}

/** The current bearer header, for clients that do their own fetch (the live stream). */
export function authHeaders(): Record<string, string> {
  return state.token ? { authorization: `Bearer ${state.token}` } : {};
}

/** The fetch and base URL requests go through (tests replace them). */
export function clientFetch(): { fetch: typeof fetch; baseUrl: string } {
  return { fetch: state.fetch, baseUrl: state.baseUrl };
}

/** For tests and the dev server: another fetch or another origin. */
export function configureClient(options: { fetch?: typeof fetch; baseUrl?: string }): void {
  if (options.fetch) state.fetch = options.fetch;
  if (options.baseUrl !== undefined) state.baseUrl = options.baseUrl;
}

export function lastPosition(): string | null {
  return state.position;
}

/** Positions are decimal commit numbers, or "commit/prepare" pairs on EventStoreDB. */
function positionKey(p: string): [bigint, bigint] {
  const [commit, prepare] = p.split('/');
  const c = BigInt(commit ?? '0');
  return [c, prepare === undefined ? c : BigInt(prepare)];
}

export function laterPosition(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  const [ac, ap] = positionKey(a);
  const [bc, bp] = positionKey(b);
  if (ac !== bc) return ac > bc ? a : b;
  return bp > ap ? b : a;
}

export function rememberPosition(position: string | null | undefined): void {
  if (typeof position !== 'string' || !/^\d+(\/\d+)?$/.test(position)) return;
  state.position = laterPosition(state.position, position);
}

export function forgetPosition(): void {
  state.position = null;
}

export function buildQuery(query: Query | URLSearchParams | undefined): string {
  if (!query) return '';
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      params.set(k, String(v));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one request; a 401 renews the token once (when a refresher is set) and retries. */
async function send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
  const isRead = method === 'GET';
  const url = `${state.baseUrl}${path}${buildQuery(options.query)}`;
  const init = (): RequestInit => {
    const headers: Record<string, string> = { accept, ...options.headers };
    if (state.token && !options.anonymous) headers.authorization = `Bearer ${state.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (isRead && state.position && !options.ignorePosition) headers['x-min-position'] = state.position;
    return {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  };

  let res: Response;
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    const sentToken = options.anonymous ? null : state.token;
    const request = init();
    try {
      res = await state.fetch(url, request);
    } catch (err) {
      throw toApiError(err);
    }
    // A read that asked for a position the read models have not reached yet: retry once.
    if (
      isRead &&
      res.status === 503 &&
      attempt === 0 &&
      (request.headers as Record<string, string>)['x-min-position']
    ) {
      await sleep(Math.min(2000, Number(res.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    // An expired access token: renew it and try once more.
    if (res.status === 401 && sentToken && !renewed && state.refresh) {
      renewed = true;
      if (await state.refresh()) continue;
    }
    break;
  }
  if (!res.ok) {
    const error = await problemFromResponse(res);
    if (error.status === 401 && state.token && !options.anonymous) state.onUnauthorized?.();
    throw error;
  }
  return res;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, options, 'application/json, application/problem+json');
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  const body = JSON.parse(text) as T;
  if (method !== 'GET' && body && typeof body === 'object' && 'position' in body) {
    rememberPosition((body as { position?: string | null }).position);
  }
  return body;
}

/** A binary download (a receipt's PDF) with the bearer token; the file name from Content-Disposition. */
export async function download(
  path: string,
  options: RequestOptions = {},
): Promise<{ blob: Blob; filename: string | null }> {
  const res = await send('GET', path, options, 'application/pdf, application/octet-stream, application/problem+json');
  const disposition = res.headers.get('content-disposition') ?? '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await res.blob(), filename: match ? decodeURIComponent(match[1]!) : null };
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};
