/**
 * One Server-Sent Events response: `text/event-stream` headers, events written as
 * `event:`/`id:`/`data:` blocks, a comment heartbeat so proxies and clients see the
 * connection alive, and an end when the client's token expires or the client stops
 * reading (a reconnect with Last-Event-ID picks up from the read model).
 */
import type { Response } from 'express';
import type { Logger } from '@booking/shared-kernel';

export interface SseStreamOptions {
  heartbeatMs: number;
  /** the stream ends at this time (epoch ms), e.g. when the access token expires */
  endAt: number | null;
  /** a client that lets this much pile up unread is cut off */
  maxBufferedBytes: number;
  logger: Logger;
}

export class SseStream {
  private heartbeat: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    private readonly res: Response,
    private readonly options: SseStreamOptions,
  ) {}

  open(): void {
    this.res.status(200);
    this.res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('cache-control', 'no-cache, no-transform');
    this.res.setHeader('connection', 'keep-alive');
    // nginx and similar proxies would otherwise buffer the stream
    this.res.setHeader('x-accel-buffering', 'no');
    this.res.flushHeaders();
    this.res.socket?.setNoDelay(true);
    this.write(': connected\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.options.heartbeatMs);
    if (this.options.endAt !== null) {
      // the client reconnects with a fresh token (setTimeout's limit is ~24.8 days)
      const ms = Math.min(Math.max(0, this.options.endAt - Date.now()), 2_147_483_647);
      this.expiry = setTimeout(() => this.end(), ms);
    }
    this.res.on('close', () => this.stopTimers());
  }

  /** Sends one event; `data` is written as one line of JSON. */
  send(event: string, id: string, data: unknown): void {
    this.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.res.end();
  }

  private write(chunk: string): void {
    if (this.ended) return;
    if (this.res.writableLength > this.options.maxBufferedBytes) {
      this.options.logger.warn(
        { buffered: this.res.writableLength },
        'live stream: the client is not reading; closing it (it may resume with Last-Event-ID)',
      );
      this.end();
      return;
    }
    this.res.write(chunk);
  }

  private stopTimers(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.expiry) clearTimeout(this.expiry);
    this.heartbeat = null;
    this.expiry = null;
  }
}
