/**
 * The audit index: one small document per event (stream, revision, event id, correlation
 * and causation ids, type), so a trace finds every event of one request by its correlation
 * id. It only points into the log; the audit API reads the events themselves from the event
 * store. One document per event keeps each write O(1) however many events a correlation
 * id gathers.
 */
import type { Doc, DocumentStore } from '@booking/shared-kernel';
import { eventCatalogue } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';

export interface AuditIndexDoc extends Doc {
  correlationId: string;
  causationId: string;
  streamId: string;
  revision: string;
  type: string;
  recordedAt: string;
  /** sortable global position, for ordering a trace */
  position: string;
}

export const auditIndexProjector: Projector = {
  name: 'audit-index',
  eventTypes: new Set(eventCatalogue.types().filter((t) => !t.startsWith('Idempotency'))),
  indexes: [{ collection: 'audit_index', fields: { correlationId: 1, position: 1 } }],
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const m = event.metadata;
    await docs.collection<AuditIndexDoc>('audit_index').upsertAt(
      m.eventId,
      {
        $set: {
          correlationId: m.correlationId,
          causationId: m.causationId,
          streamId: event.streamId,
          revision: event.revision.toString(),
          type: event.type,
          recordedAt: m.recordedAt,
          position: pos,
        },
      },
      pos,
    );
  },
};
