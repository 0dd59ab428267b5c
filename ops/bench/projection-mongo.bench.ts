/**
 * Projection rebuild into the MongoDB-compatible server (`MONGODB_URL`, FerretDB here): the
 * platform's rebuild (`ProjectionOps`, staged in an in-memory store, then every document
 * written once) of every projection group, next to references from the same run:
 * - the same rebuild into an in-memory embedded store (the fold alone, no server; after an
 *   uncounted warm-up pass);
 * - a bare `insertMany` loop (1,000 documents a command, as the adapter sends them) of the
 *   same documents into one collection of the same server: what the server takes at best.
 * Skipped when MONGODB_URL is unset (`eval "$(ops/infra/up.sh ferretdb)"` sets it).
 * BENCH_MONGO_EVENTS sets the history size (default 30,000 events).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import { createLogger, type DocumentStore, type EventStore } from '@booking/shared-kernel';
import { EmbeddedDocumentStore, MongoDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { allProjectors, ProjectionOps, rebuildGroup, VersionedDocumentStore } from '@booking/projections';
import { appendHistory } from './fast-history.js';
import { measureReadDecode } from './projection.bench.js';
import { round } from './stats.js';

const silent = createLogger({ level: 'silent' });

/** one projector of each rebuild group (a group shares collections, so rebuilds together) */
function groupLeaders(): string[] {
  const seen = new Set<string>();
  const leaders: string[] = [];
  for (const p of allProjectors) {
    if (seen.has(p.name)) continue;
    const group = rebuildGroup(p.name, allProjectors);
    group.forEach((g) => seen.add(g.name));
    leaders.push(p.name);
  }
  return leaders;
}

/** Rebuilds every group, one after another (each reads the whole log once). */
async function rebuildAll(
  store: EventStore,
  target: DocumentStore,
  staging: (() => DocumentStore) | undefined,
): Promise<{ seconds: number; groups: { name: string; seconds: number }[] }> {
  const docs = await VersionedDocumentStore.open(target);
  const ops = new ProjectionOps(store, docs, allProjectors, null, silent, { dropGraceMs: 0, staging });
  const groups: { name: string; seconds: number }[] = [];
  const t0 = performance.now();
  for (const name of groupLeaders()) {
    const g0 = performance.now();
    ops.rebuild(name);
    const done = await ops.wait(name);
    if (done?.state !== 'done') throw new Error(`rebuild of ${name} ended ${done?.state}: ${done?.error}`);
    groups.push({ name, seconds: round((performance.now() - g0) / 1000) });
  }
  const seconds = (performance.now() - t0) / 1000;
  await docs.close();
  return { seconds: round(seconds), groups };
}

export async function benchProjectionMongo(
  url = process.env.MONGODB_URL,
  targetEvents = Number(process.env.BENCH_MONGO_EVENTS ?? 30_000),
): Promise<Record<string, unknown>> {
  if (!url) return { skipped: 'MONGODB_URL is not set (eval "$(ops/infra/up.sh ferretdb)" sets it)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-projection-mongo-'));
  const dbName = `bench_rebuild_${randomUUID().slice(0, 8)}`;
  const client = await MongoClient.connect(url);
  try {
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
    const events = await appendHistory(store, Math.ceil(targetEvents / 6));
    const decode = await measureReadDecode(store);

    // the first pass warms the JIT up (and is not counted)
    await rebuildAll(store, new EmbeddedDocumentStore({ path: ':memory:' }), undefined);
    const folded = await rebuildAll(store, new EmbeddedDocumentStore({ path: ':memory:' }), undefined);
    const rebuild = await rebuildAll(store, await MongoDocumentStore.connect(url, dbName), () => {
      return new EmbeddedDocumentStore({ path: ':memory:' });
    });

    // the rebuilt documents, written again by a bare loop into one scratch collection
    const db = client.db(dbName);
    const documents: Document[] = [];
    for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (c.name === 'checkpoints' || c.name === 'projection_versions') continue;
      for (const d of await db.collection(c.name).find().toArray()) documents.push({ ...d, _id: `${c.name}/${d._id}` });
    }
    const scratch = db.collection('bare_insert');
    const t0 = performance.now();
    for (let i = 0; i < documents.length; i += 1000) await scratch.insertMany(documents.slice(i, i + 1000));
    const bareSeconds = (performance.now() - t0) / 1000;

    await store.close();
    return {
      events,
      server: url.replace(/\/\/[^@/]*@/, '//'),
      bareReadDecode: { eventsPerSec: decode.eventsPerSec, seconds: decode.seconds },
      rebuildEmbeddedInMemory: {
        eventsPerSec: Math.round(events / folded.seconds),
        seconds: folded.seconds,
        groups: folded.groups.length,
      },
      rebuild: {
        // every group rebuilt, one after another: the whole read model from the log
        eventsPerSec: Math.round(events / rebuild.seconds),
        seconds: rebuild.seconds,
        documentsWritten: documents.length,
        // each group reads the whole log: its own rate is what the admin API shows
        groups: rebuild.groups.map((g, i) => ({
          name: g.name,
          eventsPerSec: Math.round(events / g.seconds),
          seconds: g.seconds,
          inMemorySeconds: folded.groups[i]?.seconds,
        })),
      },
      bareInsertMany: {
        documents: documents.length,
        documentsPerSec: Math.round(documents.length / bareSeconds),
        seconds: round(bareSeconds),
        // the rebuild's ceiling on this server: its documents written and nothing else
        eventsPerSecEquivalent: Math.round(events / bareSeconds),
      },
      ratioRebuildVsBareInsert: round(bareSeconds / rebuild.seconds),
    };
  } finally {
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
