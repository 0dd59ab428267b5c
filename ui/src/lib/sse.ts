/**
 * Server-Sent Events over fetch: unlike EventSource, fetch can send the bearer token in
 * the Authorization header. `SseParser` turns text chunks into events the way the HTML
 * standard's event-stream format defines them; `openEventStream` keeps a connection
 * open, resumes with Last-Event-ID after a drop and backs off (with jitter) between tries.
 */

export interface SseEvent {
  /** `event:` field, `message` when absent */
  event: string;
  data: string;
  /** the last event id seen so far on the stream (ids carry over to later events) */
  id: string | null;
}

export class SseParser {
  private buffer = '';
  private started = false;
  private eventType = '';
  private data: string[] = [];
  private hasData = false;
  /** the last `id:` field (persists across events, as in the standard) */
  lastEventId: string | null = null;
  /** a `retry:` field: the server's reconnection delay in ms */
  retryMs: number | null = null;

  feed(chunk: string): SseEvent[] {
    let text = this.buffer + chunk;
    if (!this.started && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.started = true;
    }
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      // a CR at the very end may be the first half of CRLF: wait for the next chunk
      if (c === '\r' && i === text.length - 1) break;
      this.line(text.slice(start, i), out);
      if (c === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.buffer = text.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.hasData) {
        out.push({ event: this.eventType || 'message', data: this.data.join('\n'), id: this.lastEventId });
      }
      this.eventType = '';
      this.data = [];
      this.hasData = false;
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }
}

export type StreamStatus = 'connecting' | 'open' | 'retrying' | 'unavailable' | 'closed';

export interface EventStreamOptions {
  /** full URL or path, query included */
  url: string;
  /** asked on every (re)connection, so a renewed token is used */
  headers: () => Record<string, string>;
  onEvent: (event: SseEvent) => void;
  onStatus?: (status: StreamStatus, detail?: string) => void;
  /** a 401: renew the credentials; true to reconnect at once */
  onUnauthorized?: () => Promise<boolean>;
  /** resume after this id (e.g. from an earlier stream) */
  lastEventId?: string | null;
  fetch?: typeof fetch;
  initialDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface EventStream {
  close(): void;
  readonly lastEventId: string | null;
  /** reconnection attempts since the last connection that delivered something */
  readonly attempts: number;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Delay before reconnection attempt `attempt` (0-based): doubling, capped, with jitter in [50 %, 100 %]. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.5 + random() / 2));
}

export function openEventStream(options: EventStreamOptions): EventStream {
  const controller = new AbortController();
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let initialDelay = options.initialDelayMs ?? 1000;
  let lastEventId = options.lastEventId ?? null;
  let attempts = 0;
  const status = (s: StreamStatus, detail?: string) => {
    if (!controller.signal.aborted || s === 'closed') options.onStatus?.(s, detail);
  };

  /** One connection; resolves with what to do next. */
  async function connect(): Promise<'retry' | 'stop' | 'again'> {
    status(attempts === 0 ? 'connecting' : 'retrying');
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...options.headers(),
    };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    let res: Response;
    try {
      res = await doFetch(options.url, { headers, signal: controller.signal, cache: 'no-store' });
    } catch {
      return 'retry';
    }
    if (res.status === 401 && options.onUnauthorized) {
      await res.body?.cancel().catch(() => undefined);
      return (await options.onUnauthorized()) ? 'again' : 'stop';
    }
    // a resume point the server does not know: start from now rather than retry forever
    if (res.status === 400 && lastEventId !== null) {
      await res.body?.cancel().catch(() => undefined);
      lastEventId = null;
      return 'again';
    }
    // not there (yet), not allowed, or told to stop (204): reconnecting will not help
    if (res.status === 404 || res.status === 403 || res.status === 401 || res.status === 204) {
      await res.body?.cancel().catch(() => undefined);
      status('unavailable', `HTTP ${res.status}`);
      return 'stop';
    }
    if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      await res.body?.cancel().catch(() => undefined);
      return 'retry';
    }
    status('open');
    const parser = new SseParser();
    parser.lastEventId = lastEventId;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const events = parser.feed(value);
        if (parser.retryMs !== null) initialDelay = parser.retryMs;
        if (events.length > 0 || value.length > 0) attempts = 0;
        for (const e of events) {
          lastEventId = e.id;
          options.onEvent(e);
        }
      }
    } catch {
      // dropped mid-stream (or closed by us): reconnect below unless closed
    } finally {
      reader.releaseLock();
    }
    return 'retry';
  }

  void (async () => {
    while (!controller.signal.aborted) {
      const next = await connect();
      if (controller.signal.aborted || next === 'stop') break;
      if (next === 'again') continue;
      await sleep(backoffDelay(attempts, initialDelay, maxDelay, random), controller.signal);
      attempts++;
    }
    if (controller.signal.aborted) status('closed');
  })();

  return {
    close() {
      if (!controller.signal.aborted) controller.abort();
    },
    get lastEventId() {
      return lastEventId;
    },
    get attempts() {
      return attempts;
    },
  };
}
