/**
 * Fault: the all-in-one platform (`npm start`'s entry, a child process on a temporary
 * data folder) is killed with SIGKILL at random moments while customers book and pay, and
 * restarted each time. Afterwards every booking that was answered 201 is in the event
 * store and the read model, no payment the customer saw succeed is lost, the read models
 * equal a clean rebuild of the log, and every reactor effect (receipt, notification,
 * conversion, confirmation) happened exactly once.
 *
 * It needs no server but restarts a process several times, so it runs in the integration
 * tier (`npm run test:integration` sets INTEGRATION_TIER=1), not in `npm test`. The light
 * version: 3 kills, 120 bookings; RELIABILITY_HEAVY=1 runs 5 kills over 600 bookings
 * (RELIABILITY_KILLS, RELIABILITY_BOOKINGS, RELIABILITY_SEED override each).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@booking/shared-kernel';
import { SqliteEventStore, EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
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
} from '../../test-support/fault-load.js';

const heavy = process.env.RELIABILITY_HEAVY === '1';
const KILLS = Number(process.env.RELIABILITY_KILLS ?? (heavy ? 5 : 3));
const BOOKINGS = Number(process.env.RELIABILITY_BOOKINGS ?? (heavy ? 600 : 120));
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261125);
const CUSTOMERS = ['customer-alice', 'customer-bob', ...Array.from({ length: 18 }, (_, i) => `customer-crash${i}`)];

describe.skipIf(process.env.INTEGRATION_TIER !== '1')(
  `all-in-one platform killed -9 ${KILLS} times during ${BOOKINGS} bookings`,
  () => {
    const dataDir = tempDir('booking-kill9-');
    const logFile = path.join(dataDir, 'platform.log');
    let platform: PlatformProcess | null = null;
    afterAll(async () => {
      await platform?.kill9();
      if (process.env.RELIABILITY_KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('loses nothing acknowledged, ends equal to a clean rebuild, and every effect happened once', async () => {
      const keys = loadConfig({ NODE_ENV: 'test' });
      const tokenKeys = { secret: keys.jwtSecret, issuer: keys.jwtIssuer };
      const port = await freePort();
      const env = {
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
      };
      const start = async () => (platform = await startPlatformProcess({ port, env, logFile }));
      await start();
      const baseUrl = platform!.baseUrl;

      const created = await httpCall(baseUrl, '/api/offerings', {
        headers: { authorization: `Bearer ${tokenFor(tokenKeys, 'provider-kiln-ceramics', 'provider')}` },
        body: {
          kind: 'product',
          title: 'Crash-proof mug',
          category: 'ceramics',
          price: { amount: 1800, currency: 'EUR' },
          stock: BOOKINGS * 2,
          publish: true,
        },
      });
      expect(created.status, created.text).toBe(201);
      const offeringId = created.body!.offeringId as string;

      // The killer: waits a random 0.3-2.3 s after each start, kills, restarts at once.
      const random = seededRandom(SEED);
      let loadDone = false;
      const restarts: { killedAtMs: number; restartMs: number }[] = [];
      const t0 = Date.now();
      const killer = (async () => {
        for (let k = 0; k < KILLS && !loadDone; k++) {
          await new Promise((r) => setTimeout(r, 300 + random() * 2000));
          if (loadDone) break;
          const killedAt = Date.now();
          await platform!.kill9();
          await start();
          restarts.push({ killedAtMs: killedAt - t0, restartMs: Date.now() - killedAt });
        }
      })();
      const load = await runBookingLoad({
        baseUrl: () => baseUrl,
        keys: tokenKeys,
        offeringId,
        bookings: BOOKINGS,
        // every kill lands during the load (stock is 2 x BOOKINGS)
        continueWhile: () => restarts.length < KILLS,
        maxBookings: BOOKINGS * 2,
        concurrency: 8,
        customers: CUSTOMERS,
        unpaidEvery: 10,
        keyPrefix: `kill9-${SEED}`,
      });
      loadDone = true;
      await killer;
      const loadMs = Date.now() - t0;

      // Quiet: projections and reactors at the head, and the head no longer moving.
      let last = '';
      for (const deadline = Date.now() + 60_000; ;) {
        const p = (await httpCall(baseUrl, '/api/status/projections')).body as { head: string; lag: string };
        const r = (await httpCall(baseUrl, '/api/status/reactors')).body as {
          reactors: { reactors: { position: string | null }[] };
        };
        const state = `${p.head}|${p.lag}|${r.reactors.reactors.map((x) => x.position).join(',')}`;
        const quiet = p.lag === '0' && r.reactors.reactors.every((x) => x.position === p.head);
        if (quiet && state === last) break;
        last = state;
        if (Date.now() > deadline) throw new Error(`not quiet after 60 s: ${state}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      await platform!.stop();
      platform = null;

      const store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
      const docs = await VersionedDocumentStore.open(
        new EmbeddedDocumentStore({ path: path.join(dataDir, 'read-models.sqlite') }),
      );
      try {
        const verdict = await verifyAfterFaults(await store.readAll(), docs, load);
        const [live, rebuilt] = [await readModelSnapshot(docs), await cleanRebuild(store)];
        const summary = {
          kill9: {
            seed: SEED,
            kills: restarts.length,
            restarts,
            loadMs,
            requests: load.requests,
            connectionErrors: load.connectionErrors,
            serverErrors: load.serverErrors.length,
            unknownOutcomes: load.unknownOutcomes.length,
            ...verdict.counts,
            problems: verdict.problems.length,
          },
        };
        console.log(JSON.stringify(summary));
        expect(restarts).toHaveLength(KILLS);
        expect(load.failures).toEqual([]);
        expect(load.serverErrors).toEqual([]);
        expect(verdict.problems).toEqual([]);
        expect(load.accepted.size + load.unknownOutcomes.filter((u) => u.includes('-book-')).length).toBe(
          load.bookingsTried,
        );
        expect(load.bookingsTried).toBeGreaterThanOrEqual(BOOKINGS);
        expect(load.paid.size).toBeGreaterThan(0);
        for (const name of Object.keys(rebuilt)) expect(live[name], `read model ${name}`).toEqual(rebuilt[name]);
      } finally {
        await docs.close();
        await store.close();
      }
    }, 420_000);
  },
);
