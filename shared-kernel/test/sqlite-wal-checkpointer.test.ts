/**
 * The WAL checkpoint worker (adapters/sqlite-wal-checkpointer.ts): it takes the checkpoints
 * off the owner's connection, keeps the WAL bounded while the owner writes, stops cleanly,
 * reports a failure and hands checkpoints back to SQLite, and a process killed while it
 * checkpoints leaves a file that opens with every acknowledged commit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';
import { SqliteWalCheckpointer } from '../src/adapters/sqlite-wal-checkpointer.js';

const dirs: string[] = [];
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-checkpointer-'));
  dirs.push(dir);
  return path.join(dir, 'db.sqlite');
}

function walDb(file: string, synchronous = 'FULL'): Database.Database {
  const db = new Database(file);
  open.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return db;
}

function walBytes(file: string): number {
  return fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0;
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', role: 'test', destination }) };
}

/** `count` one-row transactions, yielding to the event loop every 10 (as a server would) */
async function writeRows(db: Database.Database, count: number, onEach?: () => void): Promise<void> {
  const insert = db.prepare<[string]>('INSERT INTO rows (body) VALUES (?)');
  const body = 'x'.repeat(3000); // about one 4 KiB page per row
  for (let i = 0; i < count; i++) {
    insert.run(body);
    onEach?.();
    if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
  }
}

const until = async (what: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('SqliteWalCheckpointer', () => {
  it('does nothing for in-memory and non-WAL databases, nor when SQLITE_WAL_CHECKPOINT=inline', () => {
    const memory = new Database(':memory:');
    open.push(memory);
    expect(SqliteWalCheckpointer.attach(memory)).toBeUndefined();

    const rollback = new Database(tempFile());
    open.push(rollback);
    expect(rollback.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(SqliteWalCheckpointer.attach(rollback)).toBeUndefined();

    const db = walDb(tempFile());
    process.env.SQLITE_WAL_CHECKPOINT = 'inline';
    try {
      expect(SqliteWalCheckpointer.attach(db)).toBeUndefined();
    } finally {
      delete process.env.SQLITE_WAL_CHECKPOINT;
    }
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('checkpoints from its worker and keeps the WAL bounded while the owner writes', async () => {
    const file = tempFile();
    const db = walDb(file);
    const { logger } = capturingLogger();
    const checkpointer = SqliteWalCheckpointer.attach(db, {
      startAfterMs: 0,
      passiveFrames: 50,
      restartFrames: 100,
      pollMs: 2,
      logger,
    })!;
    await until(() => checkpointer.running && db.pragma('wal_autocheckpoint', { simple: true }) === 0);

    let maxWal = 0;
    await writeRows(db, 1500, () => (maxWal = Math.max(maxWal, walBytes(file))));
    const stats = checkpointer.stats();
    expect(stats.passive).toBeGreaterThan(5);
    // 1500 rows are ~6 MB of WAL frames: without checkpoints the WAL would hold them all;
    // the bound is 100 frames plus what the writes add while the worker waits for its turn
    // (2.1 MB once in CI on a loaded machine, where the worker's thread was slow to run)
    expect(maxWal).toBeLessThan(6e6 / 2);
    expect(db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(1500);

    await checkpointer.close();
    expect(checkpointer.running).toBe(false);
    await checkpointer.close(); // a second close is a no-op
    db.close();
    // the last connection's close checkpointed the rest and removed the WAL
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = new Database(file, { readonly: true });
    open.push(reopened);
    expect(reopened.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(1500);
  });

  it('lets the WAL start over from the owner thread when commits keep winning the race', async () => {
    const file = tempFile();
    const db = walDb(file);
    const { logger } = capturingLogger();
    const checkpointer = SqliteWalCheckpointer.attach(db, {
      startAfterMs: 0,
      passiveFrames: 20,
      restartFrames: 40,
      pollMs: 1,
      logger,
    })!;
    await until(() => checkpointer.running);
    // one-row commits back to back: the worker's checkpoints rarely find the WAL at rest
    await writeRows(db, 1500);
    const stats = checkpointer.stats();
    expect(stats.owner).toBeGreaterThan(0);
    expect(stats.maxWalFrames).toBeLessThan(750);
    await checkpointer.close();
  });

  it('stops at once when closed before its worker started, leaving SQLite its own checkpoints', async () => {
    const db = walDb(tempFile());
    const checkpointer = SqliteWalCheckpointer.attach(db, { startAfterMs: 60_000 })!;
    const t0 = performance.now();
    await checkpointer.close();
    expect(performance.now() - t0).toBeLessThan(100);
    expect(checkpointer.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('logs a worker failure and gives the owner SQLite’s automatic checkpoints back', async () => {
    const file = tempFile();
    const db = walDb(file);
    const { lines, logger } = capturingLogger();
    // the worker opens the file with fileMustExist: gone, its open fails
    fs.rmSync(file);
    const checkpointer = SqliteWalCheckpointer.attach(db, { startAfterMs: 0, logger })!;
    await until(() => lines.some((l) => l.level === 50));
    const failure = lines.find((l) => l.level === 50)!;
    expect(failure.msg).toMatch(/WAL checkpoint worker failed/);
    expect(failure.file).toBe(file);
    expect(String((failure.err as { message?: string }).message)).toMatch(/unable to open|no such file|cannot open/i);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(checkpointer.running).toBe(false);
    await checkpointer.close();
  });

  it('never keeps a process alive: an owner that ends without closing exits', async () => {
    const file = tempFile();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'support/wal-checkpoint-writer.ts'), file, '200'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    const db = new Database(file);
    open.push(db);
    expect(db.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(200);
  }, 30_000);

  it('a process killed while its worker checkpoints leaves a file with every acknowledged commit', async () => {
    for (let round = 0; round < 3; round++) {
      const file = tempFile();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(import.meta.dirname, 'support/wal-checkpoint-writer.ts'), file],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let acknowledged = 0;
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // past the worker's start, at a different moment each round
      await until(() => acknowledged >= 300 + round * 400, 30_000);
      child.kill('SIGKILL');
      await exited;

      const db = new Database(file);
      open.push(db);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = db.prepare('SELECT count(*) AS n, max(id) AS last FROM rows').get() as { n: number; last: number };
      // every commit the child printed is there (one more may have committed unprinted)
      expect(stored.last).toBeGreaterThanOrEqual(acknowledged);
      expect(stored.n).toBe(stored.last);
      db.close();
    }
  }, 90_000);
});
