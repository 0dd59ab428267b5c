/**
 * Tells when the MongoDB driver's server monitor has hung: a check started and neither
 * succeeded nor failed within the longest time the driver itself allows a check.
 *
 * The driver bounds every check: a new monitoring connection by connectTimeoutMS for the
 * TCP connect plus connectTimeoutMS for its hello; a hello on the existing connection by
 * connectTimeoutMS, plus heartbeatFrequencyMS when it is an awaited (streaming) hello. A
 * check still pending after that (plus a margin for a busy event loop) will never end:
 * see mongo-connection.ts for the driver bug that causes it. Pure: the caller feeds it
 * the driver's heartbeat events and the time.
 */
export interface HeartbeatWatchOptions {
  /** the client's connectTimeoutMS; 0 (no timeout) disables the watch */
  connectTimeoutMs: number;
  heartbeatFrequencyMs: number;
  /** slack for timers firing late on a busy process */
  marginMs?: number;
}

export interface HungCheck {
  address: string;
  pendingMs: number;
  limitMs: number;
}

export class HeartbeatWatch {
  private readonly pending = new Map<string, { since: number; limitMs: number }>();
  private readonly marginMs: number;

  constructor(private readonly options: HeartbeatWatchOptions) {
    this.marginMs = options.marginMs ?? 2_000;
  }

  /** serverHeartbeatStarted (a streaming monitor starts the next check as one ends) */
  started(address: string, awaited: boolean, now: number): void {
    const { connectTimeoutMs, heartbeatFrequencyMs } = this.options;
    const limitMs = (awaited ? connectTimeoutMs + heartbeatFrequencyMs : 2 * connectTimeoutMs) + this.marginMs;
    this.pending.set(address, { since: now, limitMs });
  }

  /** serverHeartbeatSucceeded / serverHeartbeatFailed */
  ended(address: string): void {
    this.pending.delete(address);
  }

  /** the first check pending longer than the driver allows, if any */
  hung(now: number): HungCheck | null {
    if (this.options.connectTimeoutMs <= 0) return null;
    for (const [address, { since, limitMs }] of this.pending) {
      if (now - since > limitMs) return { address, pendingMs: now - since, limitMs };
    }
    return null;
  }

  reset(): void {
    this.pending.clear();
  }
}
