/**
 * Fault, production shape: the roles run as two processes on real servers — `command,
 * read-api,projector` and `relay,reactor` — with the read models in MongoDB (FerretDB),
 * Kafka between the relay and the reactors, and the event store in PostgreSQL (a fresh
 * database; the shared SQLite file when EVENTSTORE_URL is not a postgres URL). While
 * customers book and pay, one of the two processes (chosen at random) is killed with
 * SIGKILL and restarted, KILL9_ROLES_KILLS times. Afterwards: every booking answered 201
 * is stored and projected, no payment the customer saw succeed is lost, every reactor
 * effect happened exactly once, and the MongoDB read models equal a clean rebuild of the
 * log.
 *
 * Small by default (FerretDB projects slowly): KILL9_ROLES_BOOKINGS=30, 3 kills. Needs
 * KAFKA_BROKERS and MONGODB_URL (the integration tier sets them); skipped otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { loadConfig, type EventStore } from '@booking/shared-kernel';
import { MongoDocumentStore, PostgresEventStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { VersionedDocumentStore } from '@booking/projections';
import { tempDir } from '../../test-support/harness.js';
import { httpCall } from '../../test-support/http-client.js';
import { freePort, startPlatformProcess, type PlatformProcess } from '../../test-support/platform-process.js';
import {
  cleanRebuild,
  readModelSnapshot,
  runBookingLoad,
  seededRandom,
  tokenFor,
  verifyAfterFaults,
  type FaultVerdict,
} from '../../test-support/fault-load.js';

const kafkaBrokers = process.env.KAFKA_BROKERS;
const mongodbUrl = process.env.MONGODB_URL;
const postgresUrl = /^postgres(ql)?:\/\//.test(process.env.EVENTSTORE_URL ?? '') ? process.env.EVENTSTORE_URL! : null;
const BOOKINGS = Number(process.env.KILL9_ROLES_BOOKINGS ?? 30);
const KILLS = Number(process.env.KILL9_ROLES_KILLS ?? 3);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261126);
const SETTLE_MS = Math.max(240_000, BOOKINGS * 8_000);

describe.skipIf(!kafkaBrokers || !mongodbUrl)(
  `production roles killed -9 ${KILLS} times during ${BOOKINGS} bookings`,
  () => {
    const namespace = `it_kill9_${randomUUID().slice(0, 8)}`;
    const dataDir = tempDir('booking-kill9-roles-');
    const procs: Record<'front' | 'back', PlatformProcess | null> = { front: null, back: null };
    let pgDatabase: string | null = null;

    async function withPg(fn: (client: pg.Client) => Promise<void>): Promise<void> {
      const client = new pg.Client({ connectionString: postgresUrl! });
      await client.connect();
      try {
        await fn(client);
      } finally {
        await client.end();
      }
    }

    afterAll(async () => {
      await procs.front?.kill9();
      await procs.back?.kill9();
      const client = await MongoClient.connect(mongodbUrl!);
      await client
        .db(namespace)
        .dropDatabase()
        .finally(() => client.close());
      if (pgDatabase)
        await withPg((c) => c.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`).then(() => undefined));
      if (process.env.RELIABILITY_KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
    }, 120_000);

    it(
      'loses nothing acknowledged; every effect once; MongoDB read models equal a clean rebuild',
      async () => {
        let eventStoreUrl: string | null = null;
        if (postgresUrl) {
          pgDatabase = namespace;
          await withPg((c) => c.query(`CREATE DATABASE ${pgDatabase}`).then(() => undefined));
          const url = new URL(postgresUrl);
          url.pathname = `/${pgDatabase}`;
          eventStoreUrl = url.toString();
        }
        const keys = loadConfig({ NODE_ENV: 'test' });
        const tokenKeys = { secret: keys.jwtSecret, issuer: keys.jwtIssuer };
        const common = {
          NODE_ENV: 'test',
          DATA_DIR: dataDir,
          DEMO_DATA: 'false',
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '0',
          MONGODB_URL: mongodbUrl!,
          MONGODB_DB: namespace,
          KAFKA_BROKERS: kafkaBrokers!,
          KAFKA_TOPIC_PREFIX: `${namespace}.`,
          ...(eventStoreUrl ? { EVENTSTORE_URL: eventStoreUrl } : {}),
        };
        const ports = { front: await freePort(), back: await freePort() };
        const roles = { front: 'command,read-api,projector', back: 'relay,reactor' };
        const start = async (which: 'front' | 'back') => {
          procs[which] = await startPlatformProcess({
            port: ports[which],
            env: { ...common, ROLES: roles[which] },
            logFile: path.join(dataDir, `${which}.log`),
            readyTimeoutMs: 120_000,
          });
        };
        await start('front');
        await start('back');
        const baseUrl = procs.front!.baseUrl;

        const created = await httpCall(baseUrl, '/api/offerings', {
          headers: { authorization: `Bearer ${tokenFor(tokenKeys, 'provider-kiln-ceramics', 'provider')}` },
          body: {
            kind: 'product',
            title: 'Role-crash mug',
            category: 'ceramics',
            price: { amount: 1800, currency: 'EUR' },
            stock: BOOKINGS * 2,
            publish: true,
          },
        });
        expect(created.status, created.text).toBe(201);
        const offeringId = created.body!.offeringId as string;

        const random = seededRandom(SEED);
        // Every kill happens, even when the load ends first (the faster the servers, the
        // sooner it does): a late kill lands while the relay, reactors and projector still
        // work through the backlog, which is a fault worth surviving too.
        const kills: { role: string; atMs: number; restartMs: number }[] = [];
        const t0 = Date.now();
        const killer = (async () => {
          for (let k = 0; k < KILLS; k++) {
            await new Promise((r) => setTimeout(r, 500 + random() * 3000));
            const which = random() < 0.5 ? 'front' : 'back';
            const at = Date.now();
            await procs[which]!.kill9();
            await start(which);
            kills.push({ role: roles[which], atMs: at - t0, restartMs: Date.now() - at });
          }
        })();
        const load = await runBookingLoad({
          baseUrl: () => baseUrl,
          keys: tokenKeys,
          offeringId,
          bookings: BOOKINGS,
          concurrency: 4,
          customers: ['customer-alice', 'customer-bob', 'customer-roles0', 'customer-roles1'],
          unpaidEvery: 10,
          retryForMs: 180_000,
          keyPrefix: `kill9-roles-${namespace}`,
        });
        await killer;
        const loadMs = Date.now() - t0;

        const store: EventStore = eventStoreUrl
          ? new PostgresEventStore({ connectionString: eventStoreUrl })
          : new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
        const docs = await VersionedDocumentStore.open(await MongoDocumentStore.connect(mongodbUrl!, namespace));
        try {
          // FerretDB is slow: wait until the checks pass (or the time is up), then stop both
          let verdict: FaultVerdict | null = null;
          for (const deadline = Date.now() + SETTLE_MS; ;) {
            verdict = await verifyAfterFaults(await store.readAll(), docs, load);
            const p = (await httpCall(baseUrl, '/api/status/projections')).body as { lag: string };
            if (verdict.problems.length === 0 && p.lag === '0') break;
            if (Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 3000));
          }
          await procs.back!.stop();
          await procs.front!.stop();
          procs.front = procs.back = null;
          verdict = await verifyAfterFaults(await store.readAll(), docs, load);
          const [live, rebuilt] = [await readModelSnapshot(docs), await cleanRebuild(store)];
          console.log(
            JSON.stringify({
              kill9Roles: {
                seed: SEED,
                eventStore: eventStoreUrl ? 'postgres' : 'sqlite',
                kills,
                loadMs,
                requests: load.requests,
                connectionErrors: load.connectionErrors,
                serverErrors: load.serverErrors.length,
                unknownOutcomes: load.unknownOutcomes.length,
                ...verdict.counts,
                problems: verdict.problems.slice(0, 10),
              },
            }),
          );
          expect(kills).toHaveLength(KILLS);
          expect(load.failures).toEqual([]);
          expect(load.serverErrors).toEqual([]);
          expect(verdict.problems).toEqual([]);
          expect(load.paid.size).toBeGreaterThan(0);
          for (const name of Object.keys(rebuilt)) expect(live[name], `read model ${name}`).toEqual(rebuilt[name]);
        } finally {
          await docs.close();
          await store.close();
        }
      },
      2 * SETTLE_MS + 300_000,
    );
  },
);
