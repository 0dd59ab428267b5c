import path from 'node:path';
import { createLogger } from '@booking/shared-kernel';
import { SqliteEventStore, EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import { allProjectors, ProjectionRunner } from '@booking/projections';
import { appendAnalyticsHistory } from './generate-analytics-history.js';
import { tempDir } from './harness.js';
const dir = tempDir('gc-');
const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
let t = Date.now();
const r = await appendAnalyticsHistory(store, { bookings: Number(process.argv[2] ?? 500) });
console.log('append', r.events, Date.now() - t);
for (const p of allProjectors) {
  t = Date.now();
  const docs = new EmbeddedDocumentStore({ path: ':memory:' });
  const runner = new ProjectionRunner(store, docs, [p], createLogger({ level: 'silent' }));
  await runner.start();
  await runner.waitFor(await store.headPosition(), 60000);
  await runner.stop();
  console.log(p.name, Date.now() - t);
}
process.exit(0);
