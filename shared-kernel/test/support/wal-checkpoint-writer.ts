/**
 * Child process of sqlite-wal-checkpointer.test.ts: commits one row per transaction
 * (WAL, synchronous=FULL) into the file given as argument while the checkpoint worker
 * checkpoints nearly continuously, printing each committed id on stdout once the commit
 * returned, until it is killed.
 */
import Database from 'better-sqlite3';
import { SqliteWalCheckpointer } from '../../src/adapters/sqlite-wal-checkpointer.js';

const db = new Database(process.argv[2]!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
SqliteWalCheckpointer.attach(db, { startAfterMs: 0, passiveFrames: 16, restartFrames: 64, pollMs: 1 });
const insert = db.prepare<[string]>('INSERT INTO rows (body) VALUES (?)');
const body = 'x'.repeat(1500);
const rows = process.argv[3] === undefined ? Infinity : Number(process.argv[3]);
// past the worker's start, so that it runs when the script ends
await new Promise((resolve) => setTimeout(resolve, 100));
let sinceYield = 0;
for (let i = 0; i < rows; i++) {
  const id = insert.run(body).lastInsertRowid;
  process.stdout.write(`${id}\n`);
  // let the worker's messages (and its requests for a checkpoint here) in now and then
  if (++sinceYield === 20) {
    sinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
