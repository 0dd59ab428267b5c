/**
 * Snapshots of folded decider states, so a cold load of a long stream reads one snapshot
 * plus the events after it instead of the whole stream.
 *
 * Never on the correctness path: events stay the only truth. A snapshot that is missing,
 * written for another state shape (`schema`), unreadable or failing to save only means
 * more events are folded. Snapshots are not events: they never appear in the log, in
 * projections or in the audit history.
 *
 * Adapters: the SQLite event store keeps them in its own file (a `snapshots` table).
 * The EventStoreDB and PostgreSQL adapters keep none; their commands fold from events.
 */
export interface StoredSnapshot {
  readonly streamId: string;
  /** which decider and version of its state this is (see SnapshotCodec.schema) */
  readonly schema: string;
  /** revision of the last event folded into the state */
  readonly revision: bigint;
  /** the serialised state (JSON text) */
  readonly state: string;
}

export interface SnapshotStore {
  /** The snapshot of `streamId` written for `schema`, if there is one. */
  load(streamId: string, schema: string): Promise<StoredSnapshot | undefined>;
  /** Keeps `snapshot` as the stream's snapshot for its schema, unless a later revision is kept already. */
  save(snapshot: StoredSnapshot): Promise<void>;
}
