/**
 * A fake of the platform's HTTP API for component tests: requests go through
 * `configureClient({ fetch })`, each answered by the first route whose method and path
 * match; every request is recorded with its headers and JSON body.
 */
import { configureClient, forgetPosition, setAuthToken } from '../../src/lib/api';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (req: SeenRequest) => Response | Promise<Response>;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const problem = (status: number, body: Record<string, unknown>) =>
  new Response(JSON.stringify({ status, title: 'Request failed', ...body }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

export class FakeApi {
  readonly requests: SeenRequest[] = [];
  private routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  constructor() {
    forgetPosition();
    setAuthToken(null);
    configureClient({ fetch: (input, init) => this.handle(input, init), baseUrl: '' });
  }

  /** `path` may contain `:param` segments; the first match wins, later `on` calls take precedence. */
  on(method: string, path: string, handler: Handler | Response | object): this {
    const pattern = new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
    const h: Handler =
      typeof handler === 'function'
        ? (handler as Handler)
        : handler instanceof Response
          ? () => handler.clone()
          : () => json(handler);
    this.routes.unshift({ method: method.toUpperCase(), pattern, handler: h });
    return this;
  }

  called(method: string, path: string | RegExp): SeenRequest[] {
    return this.requests.filter(
      (r) => r.method === method.toUpperCase() && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  async handle(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = new URL(String(input), 'http://ui.test');
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const req: SeenRequest = {
      method: (init?.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(req);
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(req.path));
    if (!route) return problem(404, { detail: `no fake for ${req.method} ${req.path}` });
    return route.handler(req);
  }
}

/** Lets pending promises and timers of 0 ms run. */
export const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
};

/** A JWT-shaped token whose payload says when it expires (the signature is not checked by the UI). */
export function fakeJwt(sub: string, expiresInSeconds = 900): string {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'HS256' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + expiresInSeconds })}.sig`;
}

export function tokens(userId: string, role = 'customer', n = 1) {
  return {
    accessToken: fakeJwt(`${userId}#${n}`),
    tokenType: 'Bearer',
    expiresIn: 900,
    refreshToken: `refresh-${userId}-${n}-${'x'.repeat(24)}`,
    refreshExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    user: {
      id: userId,
      email: `${userId}@example.com`,
      name: userId,
      role,
      roles: [role],
      emailVerified: true,
      status: 'active',
    },
  };
}
