/**
 * The audit index: for every correlation id, the events that carry it (stream, revision,
 * event id, causation id, type). It only points into the log; the audit API reads the
 * events themselves from the event store.
 */
import type { Doc, DocumentStore } from '@booking/shared-kernel';
import { eventCatalogue } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';

export interface AuditIndexEntry {
  streamId: string;
  revision: string;
  eventId: string;
  causationId: string;
  type: string;
  recordedAt: string;
}

export interface AuditCorrelationDoc extends Doc {
  entries: AuditIndexEntry[];
}

export const auditIndexProjector: Projector = {
  name: 'audit-index',
  eventTypes: new Set(eventCatalogue.types().filter((t) => !t.startsWith('Idempotency'))),
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    const m = event.metadata;
    await docs.collection<AuditCorrelationDoc>('audit_correlations').upsertAt(m.correlationId, {
      $push: {
        entries: {
          streamId: event.streamId,
          revision: event.revision.toString(),
          eventId: m.eventId,
          causationId: m.causationId,
          type: event.type,
          recordedAt: m.recordedAt,
        },
      },
    }, pos);
  },
};
