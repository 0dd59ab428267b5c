/**
 * TikTok Events API v1.3 (`POST …/open_api/v1.3/event/track/`, header `Access-Token`).
 * Body: `{ event_source: 'web', event_source_id: <pixel code>, test_event_code?, data: [...] }`
 * with up to 1,000 events per request. Success is read from the body's `code`: 0 ok,
 * 20001 partial success. 429, 5xx and throttling codes (40100, 40700) are retried with
 * exponential backoff; other codes are validation problems a retry will not fix.
 */
import { inSpan, SpanKind } from '@booking/shared-kernel';

export interface TikTokEvent {
  event: string;
  event_time: number;
  event_id: string;
  user: {
    email?: string;
    phone?: string;
    external_id?: string;
    ttclid?: string;
    /** not hashed: the client's IP and user agent at booking */
    ip?: string;
    user_agent?: string;
  };
  page?: { url: string };
  properties: {
    contents: {
      content_id: string;
      content_type: 'product' | 'product_group';
      content_name?: string;
      quantity: number;
      price: number;
    }[];
    content_type: 'product' | 'product_group';
    currency: string;
    value: number;
    order_id?: string;
  };
}

export interface TikTokBatchResult {
  outcome: 'sent' | 'dry-run' | 'parked';
  code?: number;
  message?: string;
  attempts: number;
}

export class TikTokRetryableError extends Error {
  override readonly name = 'TikTokRetryableError';
}

export const MAX_EVENTS_PER_REQUEST = 1000;
const THROTTLING_CODES = new Set([40100, 40700]);

export interface TikTokClientOptions {
  apiUrl: string;
  accessToken: string | null;
  pixelCode: string;
  testEventCode: string | null;
  maxAttempts: number;
  baseBackoffMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export class TikTokEventsClient {
  constructor(private readonly options: TikTokClientOptions) {}

  get dryRun(): boolean {
    return this.options.accessToken === null;
  }

  /** Sends `events` in requests of at most 1,000; one result per request, in order. */
  async track(events: readonly TikTokEvent[]): Promise<{ events: TikTokEvent[]; result: TikTokBatchResult }[]> {
    const out: { events: TikTokEvent[]; result: TikTokBatchResult }[] = [];
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_REQUEST) {
      const batch = events.slice(i, i + MAX_EVENTS_PER_REQUEST);
      out.push({ events: batch, result: await this.sendBatch(batch) });
    }
    return out;
  }

  private async sendBatch(batch: TikTokEvent[]): Promise<TikTokBatchResult> {
    if (this.dryRun) return { outcome: 'dry-run', attempts: 0 };
    const body = JSON.stringify({
      event_source: 'web',
      event_source_id: this.options.pixelCode,
      ...(this.options.testEventCode ? { test_event_code: this.options.testEventCode } : {}),
      data: batch,
    });
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let last = '';
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.options.baseBackoffMs * 2 ** (attempt - 2));
      let status: number;
      let json: { code?: number; message?: string } = {};
      try {
        const res = await inSpan(
          'tiktok.events.track',
          { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'booking.attempt': attempt } },
          async (span) => {
            const r = await fetch(this.options.apiUrl, {
              method: 'POST',
              headers: { 'Access-Token': this.options.accessToken!, 'content-type': 'application/json' },
              body,
              signal: AbortSignal.timeout(15_000),
            });
            span.setAttribute('http.response.status_code', r.status);
            return r;
          },
        );
        status = res.status;
        json = (await res.json().catch(() => ({}))) as typeof json;
      } catch (err) {
        last = `network: ${err instanceof Error ? err.message : String(err)}`;
        continue;
      }
      const code = typeof json.code === 'number' ? json.code : undefined;
      if (status === 429 || status >= 500 || (code !== undefined && THROTTLING_CODES.has(code))) {
        last = `HTTP ${status}, code ${code ?? '-'}: ${json.message ?? ''}`;
        continue;
      }
      if (status >= 200 && status < 300 && (code === 0 || code === 20001)) {
        return {
          outcome: 'sent',
          code,
          ...(json.message ? { message: json.message.slice(0, 1000) } : {}),
          attempts: attempt,
        };
      }
      // a validation problem: retrying sends the same refused payload
      return {
        outcome: 'parked',
        ...(code !== undefined ? { code } : {}),
        message: `HTTP ${status}: ${json.message ?? 'refused'}`.slice(0, 1000),
        attempts: attempt,
      };
    }
    throw new TikTokRetryableError(`TikTok kept failing after ${this.options.maxAttempts} attempts (${last})`);
  }
}
