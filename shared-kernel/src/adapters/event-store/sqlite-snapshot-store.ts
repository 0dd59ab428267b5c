/**
 * Snapshots in the SQLite event store's own file and connection: a `snapshots` table next
 * to `events`, one row per stream and schema. Not events: the log, subscriptions and the
 * audit history never see them. Sharing the event store's connection keeps one writer per
 * file in this process (a second connection would wait on its write lock, synchronously).
 */
import type Database from 'better-sqlite3';
import type { SnapshotStore, StoredSnapshot } from '../../ports/snapshot-store.js';

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly stLoad: Database.Statement<[string, string], [bigint, string]>;
  private readonly stSave: Database.Statement<[string, string, bigint, string, string]>;
  private readonly stDropOtherSchemas: Database.Statement<[string, string]>;
  private readonly write: (snapshot: StoredSnapshot) => void;

  /** `assertOpen` throws once the event store is closed */
  constructor(
    db: Database.Database,
    private readonly assertOpen: () => void,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        stream_id TEXT    NOT NULL,
        schema    TEXT    NOT NULL,
        revision  INTEGER NOT NULL,
        state     TEXT    NOT NULL,
        saved_at  TEXT    NOT NULL,
        PRIMARY KEY (stream_id, schema)
      );
    `);
    this.stLoad = db
      .prepare<[string, string], [bigint, string]>(
        'SELECT revision, state FROM snapshots WHERE stream_id = ? AND schema = ?',
      )
      .raw()
      .safeIntegers();
    // a snapshot never replaces a later one (two writers, or a slow save)
    this.stSave = db.prepare<[string, string, bigint, string, string]>(
      `INSERT INTO snapshots (stream_id, schema, revision, state, saved_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream_id, schema) DO UPDATE
         SET revision = excluded.revision, state = excluded.state, saved_at = excluded.saved_at
         WHERE excluded.revision > snapshots.revision`,
    );
    // a decider's new schema makes the old one's snapshots dead weight
    this.stDropOtherSchemas = db.prepare<[string, string]>('DELETE FROM snapshots WHERE stream_id = ? AND schema <> ?');
    // one transaction, one fsync
    this.write = db.transaction(({ streamId, schema, revision, state }: StoredSnapshot) => {
      this.stSave.run(streamId, schema, revision, state, new Date().toISOString());
      this.stDropOtherSchemas.run(streamId, schema);
    });
  }

  async load(streamId: string, schema: string): Promise<StoredSnapshot | undefined> {
    this.assertOpen();
    const row = this.stLoad.get(streamId, schema);
    return row ? { streamId, schema, revision: row[0], state: row[1] } : undefined;
  }

  async save(snapshot: StoredSnapshot): Promise<void> {
    this.assertOpen();
    if (snapshot.revision < 0n) throw new RangeError(`a snapshot's revision must be >= 0, got ${snapshot.revision}`);
    this.write(snapshot);
  }
}
