/**
 * Place-booking commands over HTTP at 1, 16 and 64 concurrent clients, next to a bare
 * express route on the same machine, the bare route with one durable SQLite insert per
 * request (the floor a durable booking cannot beat), and the platform's HTTP shell around a route that
 * does as little as the bare one (what the shared middleware costs). Servers run in child
 * processes so the load generator (autocannon) does not share their event loop; each
 * result also gives the server's CPU time per request.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  benchTokens,
  createBenchOffering,
  freePort,
  loadPost,
  spawnBareDurableExpress,
  spawnBareExpress,
  spawnPlatform,
  spawnPlatformNoop,
  stopChild,
  waitUp,
  type LoadResult,
} from './bench-processes.js';

/** Loads a bare route (a child process serving POST /bookings and /health) at each level. */
async function benchBareRoute(
  spawnRoute: (port: number) => ChildProcess,
  levels: number[],
  seconds: number,
  warmupSeconds: number,
): Promise<LoadResult[]> {
  const port = await freePort();
  const bare = spawnRoute(port);
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, bare);
    const results: LoadResult[] = [];
    for (const c of levels)
      results.push(
        await loadPost(
          `http://127.0.0.1:${port}/bookings`,
          c,
          seconds,
          JSON.stringify({ offeringId: 'x', quantity: 1 }),
          {},
          bare.pid,
          { warmupSeconds },
        ),
      );
    return results;
  } finally {
    await stopChild(bare);
  }
}

/** The reference: express with JSON parsing and a 201 answer, nothing else. */
export function benchBareExpress(levels: number[], seconds: number, warmupSeconds = 0): Promise<LoadResult[]> {
  return benchBareRoute(spawnBareExpress, levels, seconds, warmupSeconds);
}

/**
 * The floor for a durable booking on this disk: the bare route plus one durable SQLite insert
 * per request (raw better-sqlite3, WAL + synchronous=FULL like the event store, on the
 * request's thread), in a file on the same disk as the platform's data. Its 1-connection
 * latency is what a booking that must be fsynced before it is acknowledged cannot beat.
 */
export async function benchBareDurableExpress(
  levels: number[],
  seconds: number,
  warmupSeconds = 0,
): Promise<LoadResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bare-durable-'));
  try {
    return await benchBareRoute(
      (port) => spawnBareDurableExpress(port, path.join(dir, 'bookings.sqlite')),
      levels,
      seconds,
      warmupSeconds,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same request through the platform's HTTP shell (every shared middleware, a signed-in
 * customer) to a route that does no more than the bare one: the gap to bare express is
 * the per-request cost of the middleware, apart from any command's work.
 */
export async function benchPlatformNoop(
  levels: number[],
  seconds: number,
  env: Record<string, string> = {},
  warmupSeconds = 0,
): Promise<LoadResult[]> {
  const port = await freePort();
  const server = spawnPlatformNoop(port, env);
  const { customer } = benchTokens();
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, server);
    const results: LoadResult[] = [];
    for (const c of levels)
      results.push(
        await loadPost(
          `http://127.0.0.1:${port}/api/bookings`,
          c,
          seconds,
          JSON.stringify({ offeringId: 'x', quantity: 1 }),
          { authorization: `Bearer ${customer}` },
          server.pid,
          { warmupSeconds },
        ),
      );
    return results;
  } finally {
    await stopChild(server);
  }
}

/**
 * Place-booking load against a running platform on `port`: a provider creates one product
 * with ample stock, then a customer books it at each concurrency level in turn.
 */
export async function benchPlaceBooking(
  port: number,
  levels: number[],
  seconds: number,
  serverPid?: number,
  warmupSeconds = 0,
): Promise<LoadResult[]> {
  const { provider, customer } = benchTokens();
  const offeringId = await createBenchOffering(port, provider);
  const results: LoadResult[] = [];
  for (const c of levels) {
    results.push(
      await loadPost(
        `http://127.0.0.1:${port}/api/bookings`,
        c,
        seconds,
        JSON.stringify({ offeringId, quantity: 1 }),
        { authorization: `Bearer ${customer}` },
        serverPid,
        { warmupSeconds },
      ),
    );
  }
  return results;
}

export const throughputRatios = (ours: LoadResult[], bare: LoadResult[]) =>
  ours.map((p, i) => ({
    connections: p.connections,
    throughputVsBare: Math.round((p.requestsPerSec / bare[i]!.requestsPerSec) * 100) / 100,
  }));

export async function benchHttp(
  seconds = 5,
  levels = [1, 16, 64],
  warmupSeconds = 2,
): Promise<Record<string, unknown>> {
  const bareResults = await benchBareExpress(levels, seconds, warmupSeconds);
  const bareDurableResults = await benchBareDurableExpress(levels, seconds, warmupSeconds);
  const noopResults = await benchPlatformNoop(levels, seconds, {}, warmupSeconds);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'));
  const port = await freePort();
  const platform = spawnPlatform(dataDir, port);
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, platform);
    const placeResults = await benchPlaceBooking(port, levels, seconds, platform.pid, warmupSeconds);
    return {
      seconds,
      // each level runs this long uncounted first (its figures are under `warmup`)
      warmupSeconds,
      bareExpress: bareResults,
      placeBooking: placeResults,
      ratios: throughputRatios(placeResults, bareResults),
      // the floor for a durable booking: the bare route plus one fsynced SQLite insert per
      // request (no group commit: at 16/64 connections it shows what one fsync each allows)
      bareDurableExpress: bareDurableResults,
      durableRatios: throughputRatios(placeResults, bareDurableResults),
      // the shared HTTP middleware alone: a no-op route behind it vs the bare route
      platformNoop: noopResults,
      noopRatios: throughputRatios(noopResults, bareResults),
    };
  } finally {
    await stopChild(platform);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
