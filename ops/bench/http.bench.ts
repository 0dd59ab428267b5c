/**
 * Place-booking commands over HTTP at 1, 16 and 64 concurrent clients, next to a bare
 * express route on the same machine. Servers run in child processes so the load
 * generator (autocannon) does not share their event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { mintToken, DEFAULT_JWT_SECRET } from '@booking/shared-kernel';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function load(url: string, connections: number, seconds: number, body: string, headers: Record<string, string>) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    connections,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

export async function benchHttp(seconds = 5, levels = [1, 16, 64]): Promise<Record<string, unknown>> {
  // The reference: express with JSON parsing and a 201 answer, nothing else.
  const barePort = await freePort();
  const bare = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'ops/bench/bare-express.ts')], {
    env: { ...process.env, PORT: String(barePort) },
    stdio: 'inherit',
  });
  await waitUp(`http://127.0.0.1:${barePort}/health`, bare);
  const bareResults: Awaited<ReturnType<typeof load>>[] = [];
  for (const c of levels)
    bareResults.push(
      await load(
        `http://127.0.0.1:${barePort}/bookings`,
        c,
        seconds,
        JSON.stringify({ offeringId: 'x', quantity: 1 }),
        {},
      ),
    );
  await stop(bare);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'));
  const port = await freePort();
  const platform = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'ops/platform/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: 'inherit',
  });
  try {
    await waitUp(`http://127.0.0.1:${port}/health`, platform);
    const tokens = {
      secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET,
      issuer: 'booking-platform',
      expiresIn: 3600,
    };
    const provider = mintToken(tokens, { id: 'provider-bench', role: 'provider' });
    const customer = mintToken(tokens, { id: 'customer-bench', role: 'customer' });
    const created = await fetch(`http://127.0.0.1:${port}/api/offerings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${provider}` },
      body: JSON.stringify({
        kind: 'product',
        title: 'Bench product',
        category: 'bench',
        price: { amount: 1000, currency: 'EUR' },
        stock: 1_000_000,
        publish: true,
      }),
    });
    const { offeringId } = (await created.json()) as { offeringId: string };
    const placeResults: Awaited<ReturnType<typeof load>>[] = [];
    for (const c of levels) {
      placeResults.push(
        await load(`http://127.0.0.1:${port}/api/bookings`, c, seconds, JSON.stringify({ offeringId, quantity: 1 }), {
          authorization: `Bearer ${customer}`,
        }),
      );
    }
    return {
      seconds,
      bareExpress: bareResults,
      placeBooking: placeResults,
      ratios: placeResults.map((p, i) => ({
        connections: p.connections,
        throughputVsBare: Math.round((p.requestsPerSec / bareResults[i]!.requestsPerSec) * 100) / 100,
      })),
    };
  } finally {
    await stop(platform);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
