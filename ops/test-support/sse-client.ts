/**
 * A Server-Sent Events client for tests, reading the stream with fetch as the SPA does
 * (bearer header, Last-Event-ID), parsing it by the format's rules, and timing arrivals.
 */

export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
  /** Date.now() when the event's blank line arrived */
  receivedAt: number;
}

export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  readonly events: SseEvent[];
  /** comment lines (without the colon), e.g. heartbeats */
  readonly comments: string[];
  /** resolves with the first event (already received or to come) for which `match` holds */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** resolves when the server ended the stream */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());

  async function read(): Promise<void> {
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let event = { event: '', id: null as string | null, data: [] as string[] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (event.data.length > 0) {
              events.push({
                event: event.event || 'message',
                id: event.id,
                data: event.data.join('\n'),
                receivedAt: Date.now(),
              });
              notify();
            }
            event = { event: '', id: null, data: [] };
            continue;
          }
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            notify();
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'id') event.id = value;
          else if (field === 'data') event.data.push(value);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  }
  let failure: unknown = null;
  const ended = read()
    .catch((err: unknown) => {
      failure = err;
    })
    .finally(notify);

  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    waitFor(match, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            done();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          done();
          const why = failure ? `; the stream failed: ${String(failure)}` : '';
          reject(new Error(`no matching event within ${timeoutMs} ms (got ${events.length} events)${why}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
}
