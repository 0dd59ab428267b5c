/**
 * A local stand-in for Twilio's Messages API (`POST /2010-04-01/Accounts/{AccountSid}/
 * Messages.json`) that checks the request as Twilio documents it and answers like Twilio:
 *  - HTTP Basic auth: the Account SID and its auth token, or an API key SID (SK…) and its
 *    secret, for the account in the path; otherwise 401 with code 20003;
 *  - `application/x-www-form-urlencoded` body with `To` (E.164; 21604 when missing, 21211
 *    when not a number), `From` or `MessagingServiceSid` (21603 / 21606), `Body` (21602 when
 *    empty, 21617 over 1,600 characters);
 *  - the test credentials' magic To numbers: +15005550001 → 21211, +15005550009 → 21614;
 *  - success: 201 with a Message resource whose `sid` is `SM` + 32 hex digits;
 *  - errors: JSON `{code, message, more_info, status}`.
 * `script` queues answers (e.g. 429 then the real answer); every request is kept with the
 * problems found in its format (a magic number's refusal is an answer, not a problem).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  apiKeys?: Record<string, string>;
}

export interface ScriptedTwilioAnswer {
  status: number;
  code?: number;
  message?: string;
  retryAfterSeconds?: number;
}

export interface TwilioRequest {
  method: string;
  path: string;
  contentType: string;
  /** the Basic auth user name, when there was one */
  user: string | null;
  form: Record<string, string>;
  problems: string[];
  answered: number;
}

export interface CreatedMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
}

export interface TwilioCheckServer {
  url: string;
  requests: TwilioRequest[];
  /** messages Twilio would have created, in order */
  created: CreatedMessage[];
  script: ScriptedTwilioAnswer[];
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MAGIC_TO: Record<string, { code: number; message: string }> = {
  '+15005550001': { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." },
  '+15005550009': { code: 21614, message: "'To' number is not a valid mobile number" },
};

function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function basicUser(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** What Twilio would answer to a well-addressed, authenticated request with this form. */
function validate(form: Record<string, string>): { code: number; message: string } | null {
  if (!form.To) return { code: 21604, message: "A 'To' phone number is required." };
  if (!E164.test(form.To)) return { code: 21211, message: `The 'To' number ${form.To} is not a valid phone number.` };
  if (!form.From && !form.MessagingServiceSid)
    return { code: 21603, message: "A 'From' phone number or a Messaging Service SID is required." };
  if (form.From && !E164.test(form.From) && !/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(form.From))
    return { code: 21606, message: `The From phone number ${form.From} is not a valid message-capable phone number.` };
  if (form.MessagingServiceSid && !/^MG[0-9a-fA-F]{32}$/.test(form.MessagingServiceSid))
    return { code: 21701, message: 'The Messaging Service Sid is invalid.' };
  if (!form.Body) return { code: 21602, message: 'Message body is required.' };
  if (form.Body.length > 1600)
    return { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' };
  return null;
}

export async function startTwilioCheckServer(credentials: TwilioCredentials): Promise<TwilioCheckServer> {
  const state: Omit<TwilioCheckServer, 'url' | 'close'> = { requests: [], created: [], script: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const contentType = String(req.headers['content-type'] ?? '');
      const auth = basicUser(req.headers.authorization);
      const form = Object.fromEntries(new URLSearchParams(raw));
      const entry: TwilioRequest = {
        method: req.method ?? '',
        path,
        contentType,
        user: auth?.user ?? null,
        form,
        problems: [],
        answered: 0,
      };
      state.requests.push(entry);
      const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
        entry.answered = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };

      const pathMatch = MESSAGE_PATH.exec(path);
      if (req.method !== 'POST' || !pathMatch) {
        entry.problems.push(`expected POST /2010-04-01/Accounts/{AccountSid}/Messages.json, got ${req.method} ${path}`);
        return answer(404, errorBody(404, 20404, `The requested resource ${path} was not found`));
      }
      const secretOf = (user: string) =>
        user === credentials.accountSid ? credentials.authToken : credentials.apiKeys?.[user];
      if (
        !auth ||
        decodeURIComponent(pathMatch[1]!) !== credentials.accountSid ||
        secretOf(auth.user) === undefined ||
        secretOf(auth.user) !== auth.password
      ) {
        entry.problems.push('Basic auth must be the Account SID or an API key of the account in the path');
        return answer(401, errorBody(401, 20003, 'Authenticate'));
      }
      if (!contentType.startsWith('application/x-www-form-urlencoded')) {
        entry.problems.push(`content-type must be application/x-www-form-urlencoded, got ${contentType}`);
        // Twilio reads parameters only from a form body: nothing arrives
        return answer(400, errorBody(400, 21604, "A 'To' phone number is required."));
      }
      const invalid = validate(form);
      if (invalid) entry.problems.push(`${invalid.code}: ${invalid.message}`);
      const scripted = state.script.shift();
      if (scripted) {
        return answer(
          scripted.status,
          errorBody(scripted.status, scripted.code ?? 20500, scripted.message ?? 'scripted answer'),
          scripted.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {},
        );
      }
      // a well-formed request to a magic test number is refused the way Twilio refuses it
      const refused = invalid ?? MAGIC_TO[form.To!];
      if (refused) return answer(400, errorBody(400, refused.code, refused.message));
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const message: CreatedMessage = {
        sid,
        to: form.To!,
        from: form.From ?? null,
        messagingServiceSid: form.MessagingServiceSid ?? null,
        body: form.Body!,
      };
      state.created.push(message);
      const now = new Date().toUTCString();
      answer(201, {
        sid,
        account_sid: credentials.accountSid,
        api_version: '2010-04-01',
        body: message.body,
        date_created: now,
        date_updated: now,
        date_sent: null,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: message.from,
        messaging_service_sid: message.messagingServiceSid,
        num_media: '0',
        num_segments: String(Math.ceil(message.body.length / 160)),
        price: null,
        price_unit: null,
        status: message.messagingServiceSid ? 'accepted' : 'queued',
        to: message.to,
        uri: `/2010-04-01/Accounts/${credentials.accountSid}/Messages/${sid}.json`,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
