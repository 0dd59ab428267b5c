/**
 * One event store under the peers' workloads, in a process of its own (so a library that
 * crashes its process, or leaves garbage behind, does not disturb the others):
 *
 *   tsx ops/bench/peer-worker.ts <ours|raw|emmett> <folder> <budgetMs>
 *
 * Workloads (store-workloads.ts), each time-boxed to budgetMs: sequential appends of 1, 10
 * and 100 events, aggregate loads, then 16 concurrent writers sharing one store instance,
 * and 16 writers with an instance (connection) each. The last stdout line is `RESULT <json>`.
 */
import path from 'node:path';
import { aggregateLoads, concurrent, errorTally, openTarget, rawGrouped, sequential } from './store-workloads.js';

// a library may report an error outside the awaited call (node-sqlite3 emits 'error' on a
// connection when a statement has no callback): counted against the running workload
process.on('uncaughtException', (err) => errorTally.count(err, 'uncaught '));
process.on('unhandledRejection', (err) => errorTally.count(err, 'unhandled '));

async function main() {
  const [kind, dir, budgetArg] = process.argv.slice(2);
  if (!kind || !dir) throw new Error('usage: peer-worker.ts <ours|raw|emmett> <folder> [budgetMs]');
  const budgetMs = Number(budgetArg ?? 1500);
  const file = (name: string) => path.join(dir, `${kind}-${name}.sqlite`);
  const result: Record<string, unknown> = { target: kind };
  const main = await openTarget(kind, file('main'));
  const sequentialResults = [];
  for (const size of [1, 10, 100]) sequentialResults.push(await sequential(main, size, budgetMs));
  result.sequential = sequentialResults;
  result.aggregateLoad = await aggregateLoads(main, budgetMs);
  result.concurrentShared = await concurrent([main], 16, budgetMs, 'shared');
  await main.close();
  if (kind === 'raw') {
    result.rawGrouped16 = await rawGrouped(file('group'), 16, budgetMs);
  } else {
    const own = await Promise.all(Array.from({ length: 16 }, () => openTarget(kind, file('per-writer'))));
    result.concurrentPerWriter = await concurrent(own, 16, budgetMs, 'own');
    for (const t of own) await t.close();
  }
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
