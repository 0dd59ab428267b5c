// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  api,
  configureClient,
  forgetPosition,
  lastPosition,
  laterPosition,
  problemFromResponse,
  setAuthToken,
  toApiError,
} from '../src/lib/api';

const problem = (status: number, body: unknown, type = 'application/problem+json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('problem+json -> ApiError', () => {
  it('keeps the type, title, detail, code and field errors', async () => {
    const err = await problemFromResponse(
      problem(400, {
        type: 'https://booking.example/problems/validation',
        title: 'Invalid request',
        status: 400,
        detail: 'invalid request body: title, price.amount',
        code: 'validation',
        errors: [
          { field: 'title', message: 'title must be longer than or equal to 1 characters' },
          { field: 'price.amount', message: 'amount must be an integer number' },
          { field: 'price.amount', message: 'a second message for the same field' },
        ],
        correlationId: 'c-1',
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.type).toBe('https://booking.example/problems/validation');
    expect(err.title).toBe('Invalid request');
    expect(err.code).toBe('validation');
    expect(err.correlationId).toBe('c-1');
    // first message per field, capitalized, keyed by the API's field path
    expect(err.fieldErrors).toEqual({
      title: 'Title must be longer than or equal to 1 characters',
      'price.amount': 'Amount must be an integer number',
    });
    expect(err.summary).toBe('Please correct the highlighted fields.');
  });

  it('finds errors for a field or anything under it', async () => {
    const err = await problemFromResponse(
      problem(400, {
        title: 'Invalid request',
        code: 'validation',
        errors: [
          { field: 'schedule.weeklyRules[0].windows[0].end', message: 'must be after start' },
          { field: 'price.amount', message: 'amount must be an integer number' },
        ],
      }),
    );
    expect(err.messageFor('price')).toBe('Amount must be an integer number');
    expect(err.messageFor('schedule.weeklyRules')).toBe('Must be after start');
    expect(err.messageFor('schedule.weeklyRules[0].windows[0].end')).toBe('Must be after start');
    expect(err.messageFor('title')).toBeUndefined();
    // "price" must not match "priceList"
    expect(new ApiError(400, { errors: [{ field: 'priceList', message: 'x' }] }).messageFor('price')).toBeUndefined();
  });

  it('maps business-rule refusals by code, with the detail as the message', async () => {
    const err = await problemFromResponse(
      problem(409, {
        type: 'https://booking.example/problems/sold-out',
        title: 'Request refused by a business rule',
        status: 409,
        detail: 'only 1 left, 2 requested',
        code: 'sold-out',
      }),
    );
    expect(err.code).toBe('sold-out');
    expect(err.errors).toEqual([]);
    expect(err.summary).toBe('Only 1 left, 2 requested');
  });

  it('derives the code from the type when the document has none', async () => {
    const err = await problemFromResponse(
      problem(409, { type: 'https://booking.example/problems/hold-expired', title: 'Refused' }),
    );
    expect(err.code).toBe('hold-expired');
  });

  it('copes with bodies that are not problem documents', async () => {
    const html = await problemFromResponse(
      new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } }),
    );
    expect(html.status).toBe(502);
    expect(html.code).toBe('http-502');
    expect(html.title).toBe('Request failed (502)');
    const broken = await problemFromResponse(
      new Response('{not json', { status: 500, headers: { 'content-type': 'application/problem+json' } }),
    );
    expect(broken.status).toBe(500);
    const junk = await problemFromResponse(
      problem(400, { errors: [null, { field: 1 }, { field: 'ok', message: 'fine' }] }),
    );
    expect(junk.errors).toEqual([{ field: 'ok', message: 'fine' }]);
  });

  it('turns network failures into ApiErrors too', () => {
    const err = toApiError(new TypeError('Failed to fetch'));
    expect(err.status).toBe(0);
    expect(err.code).toBe('network');
    expect(err.summary).toMatch(/Could not reach the server/);
  });
});

describe('the client', () => {
  const calls: { url: string; init: RequestInit }[] = [];
  let answers: Response[] = [];

  beforeEach(() => {
    calls.length = 0;
    answers = [];
    forgetPosition();
    setAuthToken(null);
    configureClient({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        const next = answers.shift();
        if (!next) throw new Error('no answer queued');
        return next;
      }) as unknown as typeof fetch,
    });
  });
  afterEach(() => {
    configureClient({ fetch: (...args) => globalThis.fetch(...args) });
    setAuthToken(null);
    forgetPosition();
  });

  const header = (i: number, name: string) => (calls[i]!.init.headers as Record<string, string>)[name];

  it('throws the typed error for a problem answer', async () => {
    answers.push(
      problem(400, {
        title: 'Invalid request',
        code: 'validation',
        errors: [{ field: 'quantity', message: 'quantity must not be less than 1' }],
      }),
    );
    const err = await api.post('/api/bookings', { quantity: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).messageFor('quantity')).toBe('Quantity must not be less than 1');
  });

  it('sends the bearer token and JSON', async () => {
    setAuthToken('tok');
    answers.push(new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } }));
    await api.post('/api/x', { a: 1 });
    expect(header(0, 'authorization')).toBe('Bearer tok');
    expect(header(0, 'content-type')).toBe('application/json');
    expect(calls[0]!.init.body).toBe('{"a":1}');
  });

  it('passes the latest write position back on reads (read-your-writes)', async () => {
    answers.push(
      new Response('{"bookingId":"b","position":"41"}', {
        status: 201,
        headers: { 'content-type': 'application/json' },
      }),
    );
    answers.push(
      new Response('{"bookingId":"c","position":"40"}', {
        status: 201,
        headers: { 'content-type': 'application/json' },
      }),
    );
    answers.push(new Response('{"items":[]}', { status: 200, headers: { 'content-type': 'application/json' } }));
    await api.post('/api/bookings', {});
    await api.post('/api/bookings', {});
    expect(lastPosition()).toBe('41');
    await api.get('/api/me/bookings', { query: { status: 'PENDING', empty: '' } });
    expect(calls[2]!.url).toBe('/api/me/bookings?status=PENDING');
    expect(header(2, 'x-min-position')).toBe('41');
    expect(header(0, 'x-min-position')).toBeUndefined();
  });

  it('retries a read once when the read models have not caught up', async () => {
    vi.useFakeTimers();
    try {
      answers.push(new Response('{"position":"7"}', { status: 200, headers: { 'content-type': 'application/json' } }));
      answers.push(problem(503, { title: 'Service unavailable', code: 'unavailable' }));
      answers.push(new Response('{"id":"b"}', { status: 200, headers: { 'content-type': 'application/json' } }));
      await api.post('/api/bookings/b/cancel', { reason: 'x' });
      const read = api.get<{ id: string }>('/api/bookings/b');
      await vi.advanceTimersByTimeAsync(1000);
      await expect(read).resolves.toEqual({ id: 'b' });
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('orders positions, including EventStoreDB commit/prepare pairs', () => {
    expect(laterPosition('9', '10')).toBe('10');
    expect(laterPosition('100/90', '100/95')).toBe('100/95');
    expect(laterPosition(null, '3')).toBe('3');
    expect(laterPosition('3', null)).toBe('3');
  });
});
