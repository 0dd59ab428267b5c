// @vitest-environment happy-dom
/**
 * The live stream client: the event-stream parser, and the connection loop against a fake
 * server stream — Authorization on every connect, resume with Last-Event-ID, back-off
 * between attempts, stop on 404 (no endpoint yet), renew on 401.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, openEventStream, SseParser, type SseEvent, type StreamStatus } from '../src/lib/sse';

describe('SseParser', () => {
  it('parses events split anywhere, CRLF included, with ids carried over', () => {
    const p = new SseParser();
    const text =
      '\uFEFF: keep-alive\r\nevent: booking\r\nid: 41\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: booking\ndata: two\n\n';
    const out: SseEvent[] = [];
    for (let i = 0; i < text.length; i += 3) out.push(...p.feed(text.slice(i, i + 3)));
    expect(out).toEqual([
      { event: 'booking', data: '{"a":\n1}', id: '41' },
      { event: 'booking', data: 'two', id: '41' },
    ]);
  });

  it('defaults to "message", ignores unknown fields and events without data, reads retry', () => {
    const p = new SseParser();
    const out = p.feed('foo: bar\nevent: nothing\n\ndata\nretry: 2500\nretry: soon\n\n');
    expect(out).toEqual([{ event: 'message', data: '', id: null }]);
    expect(p.retryMs).toBe(2500);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, with jitter between half and all of it', () => {
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, () => 1)).toBe(8000);
    expect(backoffDelay(10, 1000, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(3, 1000, 30_000, () => 0)).toBe(4000);
  });
});

/** A server that answers each connection with the next scripted response. */
function scriptedServer(script: ((headers: Record<string, string>) => Response)[]) {
  const seen: Record<string, string>[] = [];
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    seen.push(headers);
    const next = script.shift();
    if (!next) return new Promise<Response>(() => undefined); // hang: nothing more to say
    return next(headers);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const stream = (chunks: string[]) =>
  new Response(
    new ReadableStream({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('openEventStream', () => {
  it('resumes with Last-Event-ID after a drop, backing off between attempts', async () => {
    const server = scriptedServer([
      () => stream(['event: booking\nid: 7\ndata: {"id":"b1"}\n\n']),
      () => new Response('down', { status: 503 }),
      () => stream(['event: booking\nid: 9\ndata: {"id":"b1","v":2}\n\n']),
    ]);
    const events: SseEvent[] = [];
    const delays: number[] = [];
    const s = openEventStream({
      url: '/api/live/bookings',
      headers: () => ({ authorization: 'Bearer T1' }),
      fetch: server.fetch,
      onEvent: (e) => events.push(e),
      random: () => 1,
      initialDelayMs: 100,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await until(() => events.length === 2);
    s.close();
    expect(events.map((e) => e.id)).toEqual(['7', '9']);
    expect(server.seen[0]!.authorization).toBe('Bearer T1');
    expect(server.seen[0]!['last-event-id']).toBeUndefined();
    expect(server.seen[1]!['last-event-id']).toBe('7');
    expect(server.seen[2]!['last-event-id']).toBe('7');
    // after the drop: 100 ms; after the 503: doubled
    expect(delays.slice(0, 2)).toEqual([100, 200]);
    expect(s.lastEventId).toBe('9');
  });

  it('stops and says "unavailable" when the endpoint does not exist', async () => {
    const server = scriptedServer([() => new Response('', { status: 404 })]);
    const statuses: StreamStatus[] = [];
    openEventStream({
      url: '/api/live/bookings',
      headers: () => ({}),
      fetch: server.fetch,
      onEvent: () => undefined,
      onStatus: (s) => statuses.push(s),
      sleep: async () => undefined,
    });
    await until(() => statuses.includes('unavailable'));
    await new Promise((r) => setTimeout(r, 20));
    expect(server.seen).toHaveLength(1);
  });

  it('renews the credentials on 401 and reconnects with the new token', async () => {
    let token = 'OLD';
    const server = scriptedServer([
      () => new Response('', { status: 401 }),
      (h) =>
        h.authorization === 'Bearer NEW' ? stream(['event: booking\ndata: {}\n\n']) : new Response('', { status: 401 }),
    ]);
    const events: SseEvent[] = [];
    const s = openEventStream({
      url: '/api/live/bookings',
      headers: () => ({ authorization: `Bearer ${token}` }),
      fetch: server.fetch,
      onEvent: (e) => events.push(e),
      onUnauthorized: async () => {
        token = 'NEW';
        return true;
      },
      sleep: async () => undefined,
    });
    await until(() => events.length === 1);
    s.close();
    expect(server.seen.map((h) => h.authorization)).toEqual(['Bearer OLD', 'Bearer NEW', 'Bearer NEW']);
  });
});
