/**
 * SMS: Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded
 * To/From/Body, basic auth) when TWILIO_* is configured; otherwise recorded, not sent.
 */
export interface SmsSender {
  /** null provider id: recorded only (no provider configured) */
  send(to: string, body: string): Promise<{ providerMessageId: string; sent: boolean }>;
}

export class TwilioSms implements SmsSender {
  constructor(private readonly cfg: { accountSid: string; authToken: string; from: string; apiUrl: string }) {}
  async send(to: string, body: string) {
    const url = `${this.cfg.apiUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(this.cfg.accountSid)}/Messages.json`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${this.cfg.accountSid}:${this.cfg.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: to, From: this.cfg.from, Body: body }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
    if (!res.ok || !json.sid) throw new Error(`Twilio answered ${res.status}: ${json.message ?? 'no sid'}`);
    return { providerMessageId: json.sid, sent: true };
  }
}

export class RecordedSms implements SmsSender {
  async send(_to: string, _body: string) {
    return { providerMessageId: 'not-sent', sent: false };
  }
}
