/**
 * What the metrics decorators cost the hot path: a full projection rebuild of the same
 * history into a bare embedded document store and into the same store wrapped by
 * InstrumentedDocumentStore (every upsert timed), alternating, best of N each.
 *   npx tsx ops/bench/observability-overhead.ts [events] [rounds]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstrumentedDocumentStore, PlatformMetrics } from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { appendHistory } from './fast-history.js';
import { measureRebuild } from './projection.bench.js';

const events = Number(process.argv[2] ?? 30_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-observability-'));
try {
  const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
  await appendHistory(store, Math.ceil(events / 6));
  const best = { bare: 0, instrumented: 0 };
  for (let i = 0; i < rounds; i++) {
    for (const kind of ['bare', 'instrumented'] as const) {
      const file = path.join(dir, `docs-${kind}-${i}.sqlite`);
      const raw = new EmbeddedDocumentStore({ path: file });
      const docs = kind === 'bare' ? raw : new InstrumentedDocumentStore(raw, new PlatformMetrics());
      const r = await measureRebuild(store, docs);
      await r.runner.stop();
      await docs.close();
      best[kind] = Math.max(best[kind], r.eventsPerSec);
    }
  }
  await store.close();
  console.log(
    JSON.stringify({
      events,
      rounds,
      bestEventsPerSec: best,
      overheadPercent: Math.round((1 - best.instrumented / best.bare) * 1000) / 10,
    }),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
