/**
 * When the command side reads and writes snapshots (the port is ports/snapshot-store.ts).
 * A decider opts in with a SnapshotCodec; the runtime then starts a cold load from the
 * stream's snapshot and, after a load or a command has moved a stream far enough past its
 * last snapshot, writes a new one once the current turn of the event loop is done
 * (never awaited by the command, never able to fail it).
 */
import type { Logger } from 'pino';
import type { SnapshotStore } from './ports/snapshot-store.js';

export interface SnapshotCodec<S> {
  /**
   * Names the state's shape, e.g. `capacity/1`. Change it whenever the state or what
   * `evolve` makes of an event changes: snapshots written under another name are ignored.
   */
  readonly schema: string;
  /** the state as a JSON value */
  serialise(state: S): unknown;
  /** the state back from `serialise`'s value; throws on anything else */
  deserialise(json: unknown): S;
}

export interface SnapshotSettings {
  readonly store: SnapshotStore;
  /** fewest events a stream advances past its last snapshot before the next one */
  readonly every: number;
  /**
   * Writing a snapshot costs time in proportion to its size, so a stream also waits one
   * event per this many characters of its last snapshot: the cost of snapshots per
   * appended event stays bounded however large a state grows (an inventory's state grows
   * with its confirmed bookings), and a cold load folds at most that many events after it.
   */
  readonly charsPerEvent: number;
  readonly logger: Logger;
}

export const defaultSnapshotEvery = 500;
export const defaultSnapshotCharsPerEvent = 400;

/** Where a stream's snapshots stand, kept with its cached state. */
export interface SnapshotMark {
  /** revision of the last snapshot written or read (-1 when none) */
  snapshotRevision: bigint;
  /** its length in characters (0 when none) */
  snapshotChars: number;
}

export const noSnapshot = (): SnapshotMark => ({ snapshotRevision: -1n, snapshotChars: 0 });

/** The stream's snapshot as a state, or undefined (none, another schema, unreadable). */
export async function readSnapshot<S>(
  settings: SnapshotSettings,
  streamId: string,
  codec: SnapshotCodec<S>,
): Promise<{ state: S; revision: bigint; snapshots: SnapshotMark } | undefined> {
  try {
    const stored = await settings.store.load(streamId, codec.schema);
    if (!stored || stored.schema !== codec.schema || stored.revision < 0n) return undefined;
    return {
      state: codec.deserialise(JSON.parse(stored.state)),
      revision: stored.revision,
      snapshots: { snapshotRevision: stored.revision, snapshotChars: stored.state.length },
    };
  } catch (err) {
    settings.logger.warn(
      { err, streamId, schema: codec.schema },
      'snapshot unusable; folding the stream from its start',
    );
    return undefined;
  }
}

/**
 * Schedules a snapshot of `state` at `revision` when the stream has moved far enough past
 * `mark`, and moves `mark` at once so the next command does not schedule another.
 * `state` must be the fold of committed events only.
 */
export function snapshotIfDue<S>(
  settings: SnapshotSettings,
  streamId: string,
  codec: SnapshotCodec<S>,
  state: S,
  revision: bigint,
  mark: SnapshotMark,
): void {
  const advanced = revision - mark.snapshotRevision;
  const due = Math.max(settings.every, Math.ceil(mark.snapshotChars / settings.charsPerEvent));
  if (advanced < BigInt(due)) return;
  mark.snapshotRevision = revision;
  setImmediate(() => {
    let text: string;
    try {
      text = JSON.stringify(codec.serialise(state));
    } catch (err) {
      settings.logger.error({ err, streamId, schema: codec.schema }, 'could not serialise a snapshot');
      return;
    }
    mark.snapshotChars = text.length;
    settings.store.save({ streamId, schema: codec.schema, revision, state: text }).catch((err: unknown) => {
      settings.logger.warn(
        { err, streamId, schema: codec.schema },
        'could not save a snapshot; loads fold more events',
      );
    });
  });
}
