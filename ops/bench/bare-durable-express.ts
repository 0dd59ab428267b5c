/**
 * The floor a durable booking cannot beat on this disk: the bare express route, except that
 * every request first does one durable SQLite insert, with raw better-sqlite3 and the event
 * store's settings (WAL, synchronous=FULL: the commit returns once its WAL frames are
 * fsynced), then answers JSON. No group commit, no checks, no checkpoint worker (SQLite's
 * own automatic checkpoints run inside a commit now and then, as they would in any plain
 * use of the file). DB_FILE: the SQLite file (its folder must exist).
 */
import Database from 'better-sqlite3';
import express from 'express';

const db = new Database(process.env.DB_FILE!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS bookings (position INTEGER PRIMARY KEY, data TEXT NOT NULL)');
const insert = db.prepare<[string]>('INSERT INTO bookings (data) VALUES (?)');

const app = express();
app.use(express.json({ limit: 65536 }));
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/bookings', (req, res) => {
  // one implicit transaction: BEGIN, INSERT, COMMIT with its fsync, on this thread
  const position = insert.run(JSON.stringify(req.body)).lastInsertRowid;
  res.status(201).json({ position: Number(position), status: 'PENDING' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  db.close();
  process.exit(0);
});
