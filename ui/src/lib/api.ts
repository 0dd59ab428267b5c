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
}

interface ClientState {
  token: string | null;
  /** the latest position a command of this tab answered with */
  position: string | null;
  onUnauthorized: (() => void) | null;
  fetch: typeof fetch;
  baseUrl: string;
}

const state: ClientState = {
  token: null,
  position: null,
  onUnauthorized: null,
  fetch: (...args) => globalThis.fetch(...args),
  baseUrl: '',
};

export function setAuthToken(token: string | null): void {
  state.token = token;
}

export function onUnauthorized(handler: (() => void) | null): void {
  state.onUnauthorized = handler;
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

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const isRead = method === 'GET';
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (isRead && state.position && !options.ignorePosition) headers['x-min-position'] = state.position;
  const url = `${state.baseUrl}${path}${buildQuery(options.query)}`;
  const init: RequestInit = {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };

  let res: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await state.fetch(url, init);
    } catch (err) {
      throw toApiError(err);
    }
    // A read that asked for a position the read models have not reached yet: retry once.
    if (isRead && res.status === 503 && attempt === 0 && headers['x-min-position']) {
      await sleep(Math.min(2000, Number(res.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    break;
  }
  if (!res.ok) {
    const error = await problemFromResponse(res);
    if (error.status === 401 && state.token) state.onUnauthorized?.();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json()) as T;
  if (!isRead && body && typeof body === 'object' && 'position' in body) {
    rememberPosition((body as { position?: string | null }).position);
  }
  return body;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, { ...options, body: body ?? {} }),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
};
