/**
 * Starts the whole platform in-process on a temporary data folder for HTTP tests, with
 * helpers to call it as the demo users.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig, mintToken, ManualClock, type Clock, type Config } from '@booking/shared-kernel';
import { createPlatform, type Platform, type PlatformOptions } from '../platform/platform.js';
import { demoUser } from '../platform/demo-users.js';

export interface Harness {
  platform: Platform;
  config: Config;
  clock: Clock;
  dataDir: string;
  http: ReturnType<typeof request>;
  token(userId: string): string;
  auth(userId: string): { authorization: string };
  stop(): Promise<void>;
}

export function tempDir(prefix = 'booking-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startHarness(
  options: PlatformOptions & { env?: Record<string, string>; dataDir?: string } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const clock = options.clock ?? new ManualClock(new Date());
  const platform = await createPlatform(config, { holdCheckIntervalMs: 50, ...options, clock });
  const tokens = { secret: config.jwtSecret, issuer: config.jwtIssuer };
  const token = (userId: string) => {
    const user = demoUser(userId) ?? { id: userId, role: userId.split('-')[0] as 'customer', name: userId };
    return mintToken(tokens, user);
  };
  return {
    platform,
    config,
    clock,
    dataDir,
    http: request(platform.app),
    token,
    auth: (userId) => ({ authorization: `Bearer ${token(userId)}` }),
    async stop() {
      await platform.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 2000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A weekly schedule open every day 00:00-24:00 with hourly one-hour slots. */
export function alwaysOpenSchedule(timeZone = 'UTC') {
  return {
    timeZone,
    weeklyRules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, windows: [{ start: '00:00', end: '24:00' }] })),
    overrides: [],
    closures: [],
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    maxHorizonDays: 30,
  };
}

/** The next whole UTC hour at least `hoursAhead` hours after `now`. */
export function slotStartAfter(now: Date, hoursAhead: number): string {
  const d = new Date(now.getTime() + hoursAhead * 3_600_000);
  d.setUTCMinutes(0, 0, 0);
  return new Date(d.getTime() + 3_600_000).toISOString();
}

/**
 * Waits until the platform is quiet: the event store head no longer moves and every
 * projection and reactor has reached it, so a later "nothing was appended" check cannot
 * be disturbed by effects of earlier steps that are still running.
 */
export async function settle(h: Harness, timeoutMs = 10_000): Promise<void> {
  await eventually(
    async () => {
      const head = (await h.platform.eventStore.headPosition()).commit.toString();
      const projections = await h.platform.projections?.status();
      const reactors = h.platform.reactors?.status().reactors ?? [];
      await new Promise((r) => setTimeout(r, 20));
      const again = (await h.platform.eventStore.headPosition()).commit.toString();
      return head === again && (projections?.applied ?? head) === head && reactors.every((r) => r.position === head);
    },
    timeoutMs,
    20,
  );
}
