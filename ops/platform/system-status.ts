/**
 * The data of GET /api/admin/system. A read-api process usually runs no projector,
 * reactor or relay itself, so progress comes from what they all share: their checkpoints
 * in the document store, `reactor_dead_letters` and the event store's head. Runners in
 * this process report their live position instead.
 */
import {
  comparePositions,
  formatPosition,
  parsePosition,
  parseSortablePosition,
  START,
  type DocumentStore,
  type EventStore,
  type GlobalPosition,
} from '@booking/shared-kernel';
import type { BusReactorRunner, ProjectionRunner, ReactorRunner, Relay } from '@booking/projections';
import type { ReactorProgress, SystemStatus } from '@booking/read-api';
import { parkedPerReactor } from './runtime-gauges.js';

export interface SystemStatusSources {
  eventStore: EventStore;
  documentStore: DocumentStore;
  projectorNames: readonly string[];
  reactorNames: readonly string[];
  /** reactors run as Kafka consumer groups (KAFKA_BROKERS set) */
  reactorsOnBus: boolean;
  /** a relay publishes the log (KAFKA_BROKERS set) */
  relayConfigured: boolean;
  projections: ProjectionRunner | null;
  reactors: ReactorRunner | BusReactorRunner | null;
  relay: Relay | null;
}

const text = (p: GlobalPosition) => (comparePositions(p, START) > 0 ? formatPosition(p) : null);
const lag = (head: GlobalPosition, at: GlobalPosition) =>
  (head.commit > at.commit ? head.commit - at.commit : 0n).toString();
/** a position as the runners' status reports it ("-1" or null: nothing yet) */
const fromStatus = (p: string | null): GlobalPosition => (p ? parsePosition(p) : START);

export function systemStatus(s: SystemStatusSources): () => Promise<SystemStatus> {
  const saved = async (key: string): Promise<GlobalPosition | null> => {
    const raw = await s.documentStore.getCheckpoint(key);
    return raw ? parseSortablePosition(raw) : null;
  };
  return async () => {
    const [head, parked] = await Promise.all([s.eventStore.headPosition(), parkedPerReactor(s.documentStore)]);

    const live = s.projections ? await s.projections.status() : null;
    const projections = await Promise.all(
      s.projectorNames.map(async (name) => {
        const mine = live?.projections.find((p) => p.name === name);
        const at = mine ? fromStatus(mine.position) : ((await saved(name)) ?? START);
        return { name, position: text(at), lag: lag(head, at) };
      }),
    );

    const liveReactors = new Map((s.reactors?.status().reactors ?? []).map((r) => [r.name, r.position]));
    const reactors: ReactorProgress[] = await Promise.all(
      s.reactorNames.map(async (name): Promise<ReactorProgress> => {
        const count = parked.get(name) ?? 0;
        const mine = liveReactors.get(name);
        if (mine !== undefined) {
          const at = fromStatus(mine);
          return { name, source: 'live', position: text(at), backlog: lag(head, at), parked: count };
        }
        if (s.reactorsOnBus) return { name, source: 'kafka', position: null, backlog: null, parked: count };
        const at = (await saved(`reactor:${name}`)) ?? START;
        return { name, source: 'checkpoint', position: text(at), backlog: lag(head, at), parked: count };
      }),
    );

    let relay: SystemStatus['relay'] = null;
    if (s.relay) {
      const at = fromStatus(s.relay.status().position);
      relay = { position: text(at), lag: lag(head, at), source: 'live' };
    } else if (s.relayConfigured) {
      const at = (await saved('relay:relay')) ?? START;
      relay = { position: text(at), lag: lag(head, at), source: 'checkpoint' };
    }

    return {
      generatedAt: new Date().toISOString(),
      head: text(head),
      projections,
      projectionRunner: live ? { running: live.running, lastError: live.lastError } : null,
      reactors,
      relay,
    };
  };
}
