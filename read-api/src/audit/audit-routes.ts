/**
 * The audit history, for admins: an aggregate's events, its state replayed at any
 * revision, the difference between two revisions, and the trace of everything one request
 * caused across streams. Events are read from the event store, never from a read model;
 * every audit read is logged with the admin who made it.
 */
import { Router, type Request } from 'express';
import {
  actorOf,
  eventCatalogue,
  formatPosition,
  NotFoundError,
  parseInput,
  ValidationError,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
} from '@booking/shared-kernel';
import type { AuditIndexDoc } from '@booking/projections';
import { AUDITED, redactSecrets } from './aggregates.js';
import { DiffQuery, ReplayQuery } from './audit-queries.js';
import { diff, toJson } from './diff.js';
import type { ReadApiDeps } from '../http/deps.js';

const ID = /^[A-Za-z0-9._:-]{1,200}$/;

function view(e: RecordedEvent) {
  return {
    streamId: e.streamId,
    revision: e.revision.toString(),
    position: formatPosition(e.position),
    type: e.type,
    data: redactSecrets(e.data),
    eventId: e.metadata.eventId,
    correlationId: e.metadata.correlationId,
    causationId: e.metadata.causationId,
    actor: e.metadata.actor,
    schemaVersion: e.metadata.schemaVersion,
    recordedAt: e.metadata.recordedAt,
  };
}

export function auditRoutes(deps: ReadApiDeps & { eventStore: EventStore }): Router {
  const router = Router();

  function target(req: Request) {
    const admin = actorOf(req, 'admin');
    const aggregate = AUDITED[String(req.params.aggregate)];
    if (!aggregate) throw new NotFoundError('audited aggregate type');
    const id = String(req.params.id);
    if (!ID.test(id)) throw new ValidationError('not a valid id', 'id');
    const streamId = aggregate.streamOf(id);
    deps.logger.info({ audit: { admin: admin.id, streamId, path: req.path } }, 'audit read');
    return { aggregate, streamId };
  }

  async function history(streamId: string): Promise<RecordedEvent[]> {
    const events = await deps.eventStore.readStream(streamId);
    if (events.length === 0) throw new NotFoundError('stream');
    return events;
  }

  function replay(aggregate: (typeof AUDITED)[string], events: RecordedEvent[], upTo: number): unknown {
    let state = aggregate.initialState;
    for (const e of events) {
      if (e.revision > BigInt(upTo)) break;
      state = aggregate.evolve(state, eventCatalogue.decode<DomainEvent>(e));
    }
    return redactSecrets(toJson(state));
  }

  router.get('/admin/audit/:aggregate/:id/events', async (req, res) => {
    const { streamId } = target(req);
    const events = await history(streamId);
    res.json({ streamId, revision: events.at(-1)!.revision.toString(), events: events.map(view) });
  });

  router.get('/admin/audit/:aggregate/:id/state', async (req, res) => {
    const { aggregate, streamId } = target(req);
    const q = parseInput(ReplayQuery, req.query, 'query');
    const events = await history(streamId);
    const last = Number(events.at(-1)!.revision);
    const revision = q.revision ?? last;
    if (revision > last) throw new ValidationError(`the stream ends at revision ${last}`, 'revision');
    res.json({ streamId, revision, state: replay(aggregate, events, revision) });
  });

  router.get('/admin/audit/:aggregate/:id/diff', async (req, res) => {
    const { aggregate, streamId } = target(req);
    const q = parseInput(DiffQuery, req.query, 'query');
    const events = await history(streamId);
    const last = Number(events.at(-1)!.revision);
    if (q.to > last) throw new ValidationError(`the stream ends at revision ${last}`, 'to');
    if (q.from >= q.to) throw new ValidationError('from must be before to', 'from');
    const changes = diff(replay(aggregate, events, q.from), replay(aggregate, events, q.to));
    const between = events.filter((e) => e.revision > BigInt(q.from) && e.revision <= BigInt(q.to)).map(view);
    res.json({ streamId, from: q.from, to: q.to, changes, events: between });
  });

  // Everything one request caused: the events that share its correlation id, read from
  // the event store, with each one's cause so the chain can be drawn.
  router.get('/admin/audit/trace/:correlationId', async (req, res) => {
    const admin = actorOf(req, 'admin');
    const correlationId = String(req.params.correlationId);
    if (!ID.test(correlationId)) throw new ValidationError('not a valid correlation id', 'correlationId');
    deps.logger.info({ audit: { admin: admin.id, correlationId } }, 'audit trace read');
    const index = await deps.docs
      .collection<AuditIndexDoc>('audit_index')
      .find({ correlationId }, { sort: { position: 1 }, limit: 10_000 });
    if (index.length === 0) throw new NotFoundError('correlation id');
    const events: ReturnType<typeof view>[] = [];
    for (const entry of index) {
      const [event] = await deps.eventStore.readStream(entry.streamId, {
        fromRevision: BigInt(entry.revision),
        maxCount: 1,
      });
      if (event) events.push(view(event));
    }
    res.json({ correlationId, events });
  });

  return router;
}
