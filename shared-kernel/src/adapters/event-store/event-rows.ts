/**
 * The rows a SQL event store (SQLite, PostgreSQL) writes for one stream's append: checked
 * and serialised before the transaction, so a malformed append fails alone and the
 * transaction only inserts.
 */
import type { ExpectedRevision, NewEvent } from '../../ports/event-store.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Row {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recordedAt: string;
}

/** Validates one stream's append and serialises its events. */
export function toRows(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Row[] {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new TypeError('stream id must be a non-empty string');
  }
  checkExpected(expected);
  const rows = new Array<Row>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const eventId = e.metadata?.eventId;
    if (typeof eventId !== 'string' || !UUID_RE.test(eventId)) {
      throw new TypeError(`event ${i} of ${streamId}: metadata.eventId must be a UUID`);
    }
    if (typeof e.type !== 'string' || e.type.length === 0) {
      throw new TypeError(`event ${i} of ${streamId}: type must be a non-empty string`);
    }
    rows[i] = {
      eventId,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata),
      recordedAt: e.metadata.recordedAt ?? new Date().toISOString(),
    };
  }
  return rows;
}

function checkExpected(expected: ExpectedRevision): void {
  if (typeof expected === 'bigint') {
    if (expected < 0n) throw new RangeError(`expected revision must be >= 0, got ${expected}`);
    return;
  }
  if (expected !== 'no_stream' && expected !== 'stream_exists' && expected !== 'any') {
    throw new TypeError(`not an expected revision: ${String(expected)}`);
  }
}
