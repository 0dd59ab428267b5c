/**
 * A local stand-in for TikTok's Events API v1.3 `event/track` that checks every field the
 * documentation requires and the hashing rules, and answers a scripted sequence of
 * responses (then 200 / code 0).
 */
import http from 'node:http';

export interface ScriptedAnswer {
  status: number;
  code: number;
  message?: string;
}

export interface TikTokCheckServer {
  url: string;
  requests: { body: Record<string, unknown>; problems: string[] }[];
  /** every event_id accepted (TikTok deduplicates on it) */
  accepted: Map<string, Record<string, unknown>>;
  script: ScriptedAnswer[];
  close(): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function checkTrackBody(body: Record<string, unknown>, token: string | undefined, pixel: string): string[] {
  const p: string[] = [];
  if (!token) p.push('Access-Token header missing');
  if (body.event_source !== 'web') p.push('event_source must be web');
  if (body.event_source_id !== pixel) p.push('event_source_id must be the pixel code');
  const data = body.data;
  if (!Array.isArray(data) || data.length < 1 || data.length > 1000) return [...p, 'data must hold 1..1000 events'];
  for (const [i, e] of (data as Record<string, unknown>[]).entries()) {
    const at = `data[${i}]`;
    if (typeof e.event !== 'string' || !e.event) p.push(`${at}.event required`);
    if (!Number.isInteger(e.event_time) || (e.event_time as number) < 1e9 || (e.event_time as number) > 1e10)
      p.push(`${at}.event_time must be unix seconds`);
    if (typeof e.event_id !== 'string' || !e.event_id) p.push(`${at}.event_id required`);
    const user = e.user as Record<string, unknown> | undefined;
    if (!user || typeof user !== 'object') p.push(`${at}.user required`);
    else {
      for (const f of ['email', 'phone', 'external_id'])
        if (user[f] !== undefined && !SHA256.test(String(user[f])))
          p.push(`${at}.user.${f} must be a lower-case SHA-256 hex`);
      if (user.ttclid !== undefined && typeof user.ttclid !== 'string') p.push(`${at}.user.ttclid must be a string`);
    }
    const props = e.properties as Record<string, unknown> | undefined;
    if (!props) p.push(`${at}.properties required`);
    else {
      if (typeof props.currency !== 'string' || !/^[A-Z]{3}$/.test(props.currency))
        p.push(`${at}.properties.currency must be ISO 4217`);
      if (typeof props.value !== 'number') p.push(`${at}.properties.value must be a number`);
      const contents = props.contents as Record<string, unknown>[] | undefined;
      if (!Array.isArray(contents) || contents.length === 0) p.push(`${at}.properties.contents required`);
      else
        for (const c of contents) {
          if (typeof c.content_id !== 'string') p.push(`${at}.contents.content_id required`);
          if (c.content_type !== 'product' && c.content_type !== 'product_group')
            p.push(`${at}.contents.content_type must be product or product_group`);
          if (!Number.isInteger(c.quantity)) p.push(`${at}.contents.quantity must be an integer`);
          if (typeof c.price !== 'number') p.push(`${at}.contents.price must be a number`);
        }
    }
  }
  return p;
}

export async function startTikTokCheckServer(pixel: string): Promise<TikTokCheckServer> {
  const state: Omit<TikTokCheckServer, 'url' | 'close'> = { requests: [], accepted: new Map(), script: [] };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const problems = checkTrackBody(body, req.headers['access-token'] as string | undefined, pixel);
      state.requests.push({ body, problems });
      const answer =
        state.script.shift() ??
        (problems.length
          ? { status: 200, code: 40002, message: problems.join('; ') }
          : { status: 200, code: 0, message: 'OK' });
      if (answer.status === 200 && (answer.code === 0 || answer.code === 20001)) {
        for (const e of body.data as Record<string, unknown>[]) state.accepted.set(String(e.event_id), e);
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: answer.code, message: answer.message ?? '', request_id: 'test', data: {} }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/open_api/v1.3/event/track/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
