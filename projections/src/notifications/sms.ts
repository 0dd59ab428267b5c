/**
 * SMS through Twilio's Programmable Messaging REST API when TWILIO_* is configured,
 * otherwise recorded, not sent.
 *
 * The request Twilio documents: `POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * HTTP Basic auth (Account SID + auth token, or API key SID + secret), a form-encoded body
 * with `To` (E.164), `From` or `MessagingServiceSid`, and `Body`. Success is 201 with the
 * Message resource (`sid` = `SM…`); errors are JSON `{code, message, more_info, status}`.
 * 429 and 5xx are retried with exponential backoff (honouring Retry-After); any other 4xx is
 * final for this message (e.g. 21211 invalid To, 21610 unsubscribed recipient) and comes
 * back as `failed` with Twilio's code and message, except 401/403 (our credentials, not the
 * message), which throw so the event is retried and then parked, not marked failed.
 */
export type SmsResult =
  | { outcome: 'sent'; providerMessageId: string; requests: number }
  | { outcome: 'recorded'; providerMessageId: 'not-sent'; requests: 0 }
  | { outcome: 'failed'; providerMessageId: 'not-sent'; requests: number; errorCode?: number; error: string };

export interface SmsSender {
  /** true when nothing leaves the process (no provider configured) */
  readonly dryRun: boolean;
  send(to: string, body: string): Promise<SmsResult>;
}

/** Twilio kept answering 429/5xx (or could not be reached): try the delivery again later. */
export class SmsProviderUnavailableError extends Error {
  override readonly name = 'SmsProviderUnavailableError';
}

/** Twilio refused our credentials (401/403): a configuration problem, not this message's. */
export class SmsCredentialsRejectedError extends Error {
  override readonly name = 'SmsCredentialsRejectedError';
}

export interface TwilioSmsOptions {
  accountSid: string;
  /** the Basic auth pair: the Account SID and auth token, or an API key SID (SK…) and secret */
  username: string;
  password: string;
  /** exactly one of the two names the sender */
  from: string | null;
  messagingServiceSid: string | null;
  apiUrl: string;
  maxAttempts: number;
  baseBackoffMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Twilio's error body (`more_info` links the code's documentation). */
interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/** The longest wait a Retry-After may impose on one attempt: a longer one fails the delivery instead. */
const MAX_RETRY_AFTER_MS = 60_000;

export class TwilioSms implements SmsSender {
  readonly dryRun = false;
  constructor(private readonly options: TwilioSmsOptions) {}

  private get url(): string {
    const base = this.options.apiUrl.replace(/\/$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.options.accountSid)}/Messages.json`;
  }

  async send(to: string, body: string): Promise<SmsResult> {
    const form = new URLSearchParams({ To: to });
    if (this.options.messagingServiceSid) form.set('MessagingServiceSid', this.options.messagingServiceSid);
    else if (this.options.from) form.set('From', this.options.from);
    form.set('Body', body);
    const auth = Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64');
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let last = '';
    let waitMs = 0;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(Math.max(waitMs, this.options.baseBackoffMs * 2 ** (attempt - 2)));
      let res: Response;
      let json: TwilioError & { sid?: string } = {};
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: {
            authorization: `Basic ${auth}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          signal: AbortSignal.timeout(10_000),
        });
        json = (await res.json().catch(() => ({}))) as typeof json;
      } catch (err) {
        last = `network: ${err instanceof Error ? err.message : String(err)}`;
        waitMs = 0;
        continue;
      }
      if (res.status === 201 || res.status === 200) {
        if (typeof json.sid !== 'string' || !json.sid) throw new Error(`Twilio answered ${res.status} without a sid`);
        return { outcome: 'sent', providerMessageId: json.sid, requests: attempt };
      }
      const described = `HTTP ${res.status}, code ${json.code ?? '-'}: ${json.message ?? 'no message'}`;
      if (res.status === 429 || res.status >= 500) {
        last = described;
        const retryAfter = Number(res.headers.get('retry-after'));
        waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS) : 0;
        continue;
      }
      if (res.status === 401 || res.status === 403) throw new SmsCredentialsRejectedError(`Twilio: ${described}`);
      return {
        outcome: 'failed',
        providerMessageId: 'not-sent',
        requests: attempt,
        ...(typeof json.code === 'number' ? { errorCode: json.code } : {}),
        error: `${described}${json.more_info ? ` (${json.more_info})` : ''}`.slice(0, 1000),
      };
    }
    throw new SmsProviderUnavailableError(`Twilio kept failing after ${this.options.maxAttempts} attempts (${last})`);
  }
}

export class RecordedSms implements SmsSender {
  readonly dryRun = true;
  async send(_to: string, _body: string): Promise<SmsResult> {
    return { outcome: 'recorded', providerMessageId: 'not-sent', requests: 0 };
  }
}
