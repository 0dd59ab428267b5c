/**
 * The code of the embedded store's flush writer (flush-writer.ts), run with
 * `new Worker(source, { eval: true })`: a string, as for the WAL checkpoint worker, because
 * the platform also runs as an esbuild bundle with no worker file next to it. Plain
 * CommonJS, no TypeScript.
 *
 * It owns a second connection to the read-model file and commits the batches the owner's
 * thread encoded, one transaction per batch, in the order they come. After a batch fails it
 * writes nothing more (every later batch is answered `skipped`) until the owner, who puts
 * those changes back to be written again, sends `reset`: a later batch's checkpoints must
 * never reach the file without the documents of the batch before it.
 *
 * Protocol: workerData = { driver, file, synchronous }. In: { type: 'batch', seq,
 * autocheckpoint, drops: [collection], names, ids, bodies (null: delete), rangedClear: [ix],
 * rangedDelete: [ix, id, ...], rangedUpsert: [ix, id, odd, k0, k1, k2, k3, ...],
 * checkpoints: [projector, position, ...] }, { type: 'reset' }, { type: 'close' }. Out:
 * { type: 'done', seq, ms }, { type: 'failed', seq, message, code }, { type: 'skipped', seq },
 * { type: 'closed' }.
 */
export const FLUSH_WRITER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
const upsertDoc = db.prepare(
  'INSERT INTO documents (collection, id, body) VALUES (?, ?, ?) ' +
    'ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body',
);
const deleteDoc = db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
const dropCollection = db.prepare('DELETE FROM documents WHERE collection = ?');
const upsertCheckpoint = db.prepare(
  'INSERT INTO checkpoints (projector, position) VALUES (?, ?) ' +
    'ON CONFLICT (projector) DO UPDATE SET position = excluded.position',
);
// (prepared on first use: a file without ranged indexes has no ranged_keys table)
let ranged = null;
function rangedStatements() {
  if (ranged) return ranged;
  ranged = {
    upsert: db.prepare(
      'INSERT INTO ranged_keys (ix, id, odd, k0, k1, k2, k3) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (ix, id) DO UPDATE SET odd = excluded.odd, k0 = excluded.k0, k1 = excluded.k1, ' +
        'k2 = excluded.k2, k3 = excluded.k3 ' +
        'WHERE odd IS NOT excluded.odd OR k0 IS NOT excluded.k0 OR k1 IS NOT excluded.k1 ' +
        'OR k2 IS NOT excluded.k2 OR k3 IS NOT excluded.k3',
    ),
    remove: db.prepare('DELETE FROM ranged_keys WHERE ix = ? AND id = ?'),
    clear: db.prepare('DELETE FROM ranged_keys WHERE ix = ?'),
  };
  return ranged;
}
let autocheckpoint = -1;
const write = db.transaction((b) => {
  for (const name of b.drops) dropCollection.run(name);
  const { names, ids, bodies } = b;
  for (let i = 0; i < ids.length; i++) {
    const body = bodies[i];
    if (body === null) deleteDoc.run(names[i], ids[i]);
    else upsertDoc.run(names[i], ids[i], body);
  }
  if (b.rangedClear.length > 0 || b.rangedDelete.length > 0 || b.rangedUpsert.length > 0) {
    const r = rangedStatements();
    for (const ix of b.rangedClear) r.clear.run(ix);
    const del = b.rangedDelete;
    for (let i = 0; i < del.length; i += 2) r.remove.run(del[i], del[i + 1]);
    const up = b.rangedUpsert;
    for (let i = 0; i < up.length; i += 7) r.upsert.run(up[i], up[i + 1], up[i + 2], up[i + 3], up[i + 4], up[i + 5], up[i + 6]);
  }
  const cp = b.checkpoints;
  for (let i = 0; i < cp.length; i += 2) upsertCheckpoint.run(cp[i], cp[i + 1]);
});
let failed = false;
parentPort.on('message', (m) => {
  if (m.type === 'batch') {
    if (failed) return parentPort.postMessage({ type: 'skipped', seq: m.seq });
    try {
      // the owner's setting: 0 while the checkpoint worker runs, SQLite's own otherwise
      if (m.autocheckpoint !== autocheckpoint) {
        db.pragma('wal_autocheckpoint = ' + m.autocheckpoint);
        autocheckpoint = m.autocheckpoint;
      }
      const t0 = performance.now();
      write(m);
      parentPort.postMessage({ type: 'done', seq: m.seq, ms: performance.now() - t0 });
    } catch (err) {
      failed = true;
      parentPort.postMessage({ type: 'failed', seq: m.seq, message: String(err && err.message), code: err && err.code });
    }
  } else if (m.type === 'reset') {
    failed = false;
  } else if (m.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
    parentPort.close();
  }
});
`;
