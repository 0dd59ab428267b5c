/**
 * Kill the projector process (SIGKILL, no goodbye) in the middle of a catch-up of more
 * than 10,000 events, start it again, and compare every read model with a clean rebuild:
 * equal documents mean nothing was lost and nothing applied twice ($inc counters and
 * $push timelines would show a double application).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createLogger, parseSortablePosition, type DocumentStore } from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { allProjectors, ProjectionRunner } from '@booking/projections';
import { generateHistory } from '../test-support/generate-history.js';
import { tempDir } from '../test-support/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COLLECTIONS = ['offerings', 'capacity', 'capacity_holds', 'bookings', 'payments'];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startProjector(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'ops/platform/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ROLES: 'projector,read-api',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function projectionStatus(
  port: number,
): Promise<{ applied: string | null; head: string | null; lag: string } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/status/projections`);
    return res.ok ? ((await res.json()) as { applied: string | null; head: string | null; lag: string }) : null;
  } catch {
    return null;
  }
}

async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The lowest checkpoint the projector has durably written, read straight from its file. */
function durableCheckpoint(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT min(position) AS p FROM checkpoints').get() as { p: string | null } | undefined;
    return row?.p ? Number(parseSortablePosition(row.p).commit) : null;
  } catch {
    return null; // the schema is not created yet
  } finally {
    db.close();
  }
}

async function snapshot(docs: DocumentStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of COLLECTIONS) out[name] = await docs.collection(name).find({}, { sort: { _id: 1 } });
  return out;
}

describe('projector killed during catch-up', () => {
  const dir = tempDir();
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from its checkpoint and ends equal to a clean rebuild', async () => {
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    const { events } = await generateHistory(store, { bookings: 1800 });
    expect(events).toBeGreaterThanOrEqual(10_000);
    await store.close();

    // First run: killed as soon as a checkpoint shows part of the log durably applied.
    const port = await freePort();
    child = startProjector(dir, port);
    const partial = await until(
      'partial catch-up',
      async () => {
        const position = durableCheckpoint(path.join(dir, 'read-models.sqlite'));
        return position !== null && position >= 1_000 ? position : null;
      },
      60_000,
      1,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const atKill = durableCheckpoint(path.join(dir, 'read-models.sqlite'))!;
    expect(atKill).toBeGreaterThanOrEqual(partial);
    expect(atKill).toBeLessThan(events);

    const afterKill = new EmbeddedDocumentStore({ path: path.join(dir, 'read-models.sqlite') });
    const checkpoint = await afterKill.getCheckpoint('bookings');
    await afterKill.close();
    expect(checkpoint).not.toBeNull();

    // Second run: resumes and catches up.
    const port2 = await freePort();
    child = startProjector(dir, port2);
    await until(
      'catch-up',
      async () => {
        const s = await projectionStatus(port2);
        return s && s.lag === '0' && Number(s.applied) === events ? s : null;
      },
      60_000,
      20,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;

    // A clean rebuild of the same log, in this process.
    const rebuiltDocs = new EmbeddedDocumentStore({ path: ':memory:' });
    const store2 = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    const runner = new ProjectionRunner(store2, rebuiltDocs, allProjectors, createLogger({ level: 'silent' }));
    await runner.start();
    await until(
      'rebuild',
      async () => (await runner.status()).lag === '0' && runner.appliedPosition().commit === BigInt(events),
      60_000,
      20,
    );
    await runner.stop();

    const resumed = new EmbeddedDocumentStore({ path: path.join(dir, 'read-models.sqlite') });
    const [a, b] = [await snapshot(resumed), await snapshot(rebuiltDocs)];
    expect(a.bookings!.length).toBe(1800);
    for (const name of COLLECTIONS) expect(a[name], name).toEqual(b[name]);
    await resumed.close();
    await rebuiltDocs.close();
    await store2.close();
  }, 180_000);
});
