/**
 * A small JSON client over node:http for tests that need real sockets (many concurrent
 * connections, a server in another process) rather than supertest's in-process calls.
 */
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the parsed JSON body, or null when the body is not JSON */
  body: Record<string, unknown> | null;
  text: string;
}

export interface HttpCall {
  method?: string;
  headers?: Record<string, string>;
  /** sent as JSON unless it is a string (sent as is) */
  body?: unknown;
  timeoutMs?: number;
}

/** Every call gets its own socket unless an agent with keep-alive is passed. */
export function httpCall(
  baseUrl: string,
  path: string,
  call: HttpCall = {},
  agent: http.Agent | false = false,
): Promise<HttpAnswer> {
  const url = new URL(path, baseUrl);
  const payload =
    call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers: Record<string, string> = { ...call.headers };
  if (payload !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(payload));
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: call.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent },
      (res) => {
        // a stream (server-sent events) never ends: its status and headers are the answer
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: null, text: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> | null = null;
          if (/json/.test(res.headers['content-type'] ?? '')) {
            try {
              body = JSON.parse(text) as Record<string, unknown>;
            } catch {
              body = null;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.setTimeout(call.timeoutMs ?? 30_000, () => req.destroy(new Error(`timeout: ${url.pathname}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
