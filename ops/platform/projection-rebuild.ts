/**
 * `npm run projection:rebuild -- <name>`: rebuilds a projection (with the projectors that
 * share its collections) from the event log into new collections, switches, and drops the
 * old ones.
 *
 * - With `API_URL` (e.g. http://localhost:8080) and `ADMIN_TOKEN`: asks the running
 *   platform (`POST /api/admin/projections/:name/rebuild`) and follows its progress: the
 *   old collections keep serving until the switch.
 * - Otherwise: runs offline on the stores the environment points at (DATA_DIR,
 *   MONGODB_URL, EVENTSTORE_URL). Stop the projector role first when it uses the
 *   embedded read-model store (it lives in one process).
 */
import 'reflect-metadata';
import { createLogger, loadConfig } from '@booking/shared-kernel';
import { allProjectors, ProjectionOps, VersionedDocumentStore, type RebuildProgress } from '@booking/projections';
import { openDocumentStore, openEventStore, rebuildStaging } from './adapters.js';

const name = process.argv[2];
if (!name) {
  console.error(
    `usage: npm run projection:rebuild -- <name>   (one of: ${allProjectors.map((p) => p.name).join(', ')})`,
  );
  process.exit(2);
}

const line = (p: RebuildProgress) =>
  `${p.name} v${p.fromVersion}->v${p.toVersion} ${p.state}: ${p.done}/${p.total} events, ${p.rate}/s, ETA ${p.etaSeconds ?? '?'} s`;

if (process.env.API_URL) {
  const headers = { authorization: `Bearer ${process.env.ADMIN_TOKEN ?? ''}` };
  const started = await fetch(`${process.env.API_URL}/api/admin/projections/${encodeURIComponent(name)}/rebuild`, {
    method: 'POST',
    headers,
  });
  if (started.status !== 202) {
    console.error(`rebuild refused: ${started.status} ${await started.text()}`);
    process.exit(1);
  }
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const list = (await (await fetch(`${process.env.API_URL}/api/admin/projections`, { headers })).json()) as {
      projections: { name: string; rebuild: RebuildProgress | null }[];
    };
    const p = list.projections.find((x) => x.name === name)?.rebuild;
    if (!p) continue;
    console.log(line(p));
    if (p.state === 'done') process.exit(0);
    if (p.state === 'failed') process.exit(1);
  }
} else {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, role: 'projection-rebuild' });
  const store = openEventStore(config);
  const docs = await VersionedDocumentStore.open(await openDocumentStore(config, logger));
  const ops = new ProjectionOps(store, docs, allProjectors, null, logger, {
    dropGraceMs: 0,
    staging: rebuildStaging(config),
  });
  let progress: RebuildProgress;
  try {
    progress = ops.rebuild(name);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  const timer = setInterval(() => console.log(line(progress)), 1000);
  const done = (await ops.wait(name))!;
  clearInterval(timer);
  console.log(line(done));
  await docs.close();
  await store.close();
  process.exit(done.state === 'done' ? 0 : 1);
}
