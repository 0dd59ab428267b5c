/**
 * Regression test for the CI failure of mongo-outage.mongo.test.ts: after FerretDB
 * restarted, every operation failed for 6 minutes with the same
 * "MongoServerSelectionError: connection 5 to 127.0.0.1:27017 closed".
 *
 * Cause (mongodb driver 6.22, same code in 7.9): the server closed the monitor's
 * connection, and a check was requested in the same event-loop turn, after Node had
 * destroyed the socket but before its 'close' event. The monitor wrote `hello` to the
 * destroyed socket (`write()` returns false, no error), then waited for a 'drain' that
 * never comes: it never checked again, and the server, marked Unknown by the failed
 * pool connections, stayed Unknown.
 *
 * The test hits that window on purpose, through a TCP proxy in front of FerretDB: it ends
 * the monitor's connection and requests a check right after the socket is destroyed
 * (this reaches into the driver's internals: `topology.s.servers`, `monitor.connection`),
 * then cuts the pool connections while writes run. The store must recover by itself
 * (MongoConnection replaces the hung client) instead of failing forever.
 * Needs MONGODB_URL (the integration tier sets it); skipped otherwise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { MongoClient } from 'mongodb';
import { createLogger } from '@booking/shared-kernel';
import { MongoConnection, MongoDocumentStore } from '@booking/shared-kernel/adapters';

const mongodbUrl = process.env.MONGODB_URL;

/** the driver internals this test drives (mongodb 6.x) */
interface DriverServer {
  requestCheck(): void;
  monitor: { s: { state: string }; connection: { closed: boolean; socket: net.Socket } | null } | null;
}
function driverServer(client: MongoClient): DriverServer {
  const topology = (client as unknown as { topology?: { s: { servers: Map<string, DriverServer> } } }).topology;
  const server = topology && [...topology.s.servers.values()][0];
  if (!server?.monitor) throw new Error('driver internals changed: no topology.s.servers[0].monitor');
  return server;
}

/** forwards 127.0.0.1:<port> to the server; `accepted` holds the client-facing sockets */
async function startProxy(target: URL): Promise<{ port: number; accepted: net.Socket[]; close(): void }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 27017), target.hostname);
    client.pipe(upstream).pipe(client);
    accepted.push(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    close: () => {
      for (const s of accepted) s.destroy();
      server.close();
    },
  };
}

describe.skipIf(!mongodbUrl)('MongoDB client whose server monitor hangs', () => {
  const dbName = `it_monitor_hang_${randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    const client = await MongoClient.connect(mongodbUrl!);
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('is replaced: writes fail while the monitor is stuck, then succeed again without a restart', async () => {
    const proxy = await startProxy(new URL(mongodbUrl!));
    cleanups.push(() => proxy.close());
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    const clients: MongoClient[] = [];
    // short timeouts keep the test short: a check may take 2 x 1 s (+ 2 s margin) before it counts as hung
    const url = `mongodb://127.0.0.1:${proxy.port}/?connectTimeoutMS=1000&serverSelectionTimeoutMS=1000`;
    const connection = await MongoConnection.open(url, dbName, {
      logger,
      createClient: (u, o) => {
        const c = new MongoClient(u, o);
        clients.push(c);
        return c;
      },
    });
    const store = new MongoDocumentStore(connection);
    cleanups.push(() => store.close());
    const docs = store.collection<{ _id: string; n: number }>('counters');
    await docs.upsertAt('a', { $set: { n: 0 } }, '00000000000000000001');

    // 1. hang the monitor: end its connection, request a check between destroy and 'close'
    await new Promise((r) => setTimeout(r, 700)); // checks closer than 500 ms apart are deferred
    const server = driverServer(clients[0]!);
    const monitorSocket = server.monitor!.connection!.socket;
    const windowSeen = new Promise<{ destroyed: boolean; closed: boolean }>((resolve) =>
      monitorSocket.once('end', () =>
        setImmediate(() => {
          const seen = { destroyed: monitorSocket.destroyed, closed: server.monitor!.connection?.closed ?? true };
          server.requestCheck();
          resolve(seen);
        }),
      ),
    );
    const proxied = proxy.accepted.find((s) => s.remotePort === monitorSocket.localPort);
    expect(proxied, "the proxy carries the monitor's connection").toBeDefined();
    proxied!.end();
    expect(await windowSeen).toEqual({ destroyed: true, closed: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(server.monitor!.s.state, 'the driver monitor is stuck in its check').toBe('monitoring');

    // 2. the pool's connections go away while writes run: the server is marked Unknown
    let n = 0;
    const errors: string[] = [];
    let stop = false;
    const cutAt = Date.now();
    const writer = (async () => {
      while (!stop) {
        try {
          n++;
          await docs.upsertAt('a', { $set: { n } }, String(n + 1).padStart(20, '0'));
          if (Date.now() - cutAt > 200 && errors.length > 0) return Date.now();
        } catch (err) {
          errors.push(`${(err as Error).name}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return null;
    })();
    await new Promise((r) => setTimeout(r, 50));
    for (const s of proxy.accepted) if (!s.destroyed) s.end();

    // 3. without the replacement the writes fail forever; with it they succeed within the bound
    const recoveredAt = await Promise.race([writer, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    stop = true;
    expect(
      errors.some((e) => /^MongoServerSelectionError: connection \d+ to .* closed$/.test(e)),
      `the stale selection error was seen: ${errors.slice(0, 3).join(' | ')}`,
    ).toBe(true);
    expect(recoveredAt, `writes recovered; errors: ${errors.length}`).not.toBeNull();
    expect(connection.generation).toBe(1);
    expect(clients).toHaveLength(2);
    expect(lines.find((l) => String(l.msg).startsWith('mongodb server monitor hung'))).toMatchObject({
      level: 40,
      generation: 1,
    });
    expect((await docs.get('a'))?.n).toBe(n);
  }, 60_000);
});
