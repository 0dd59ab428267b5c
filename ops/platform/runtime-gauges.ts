/**
 * Attaches the gauges Prometheus reads at scrape time to the components this process
 * runs: the log head, each projection's position and lag (projector role), each
 * reactor's position, backlog and parked dead letters (reactor role), and the relay's
 * position, lag and tallies (relay role). Nothing here runs per event.
 */
import {
  parsePosition,
  type DocumentStore,
  type EventStore,
  type GaugeSample,
  type PlatformMetrics,
} from '@booking/shared-kernel';
import type { BusReactorRunner, ProjectionRunner, ReactorRunner, Relay } from '@booking/projections';

export interface GaugeSources {
  eventStore: EventStore;
  documentStore: DocumentStore;
  projections: ProjectionRunner | null;
  reactors: ReactorRunner | BusReactorRunner | null;
  relay: Relay | null;
}

/** commit of a formatted position; -1 when nothing was applied yet */
export function commitOf(position: string | null | undefined): number {
  return position ? Number(parsePosition(position).commit) : -1;
}

/** positions between the head and `at`, never negative */
export function lagBetween(head: number, at: number): number {
  return Math.max(0, head - at);
}

/** parked dead letters per reactor, from `reactor_dead_letters` */
export async function parkedPerReactor(docs: DocumentStore): Promise<Map<string, number>> {
  const groups = await docs.collection('reactor_dead_letters').groupSum({}, 'reactor', []);
  return new Map(groups.map((g) => [String(g.key), g.count]));
}

export function attachRuntimeGauges(metrics: PlatformMetrics, sources: GaugeSources): void {
  const head = async () => Number((await sources.eventStore.headPosition()).commit);
  metrics.headPosition.attach(async () => [{ labels: {}, value: await head() }]);

  const { projections, reactors, relay } = sources;
  if (projections) {
    const samples = async () => {
      const status = await projections.status();
      const at = commitOf(status.head);
      return status.projections.map((p) => ({ name: p.name, position: commitOf(p.position), head: at }));
    };
    metrics.projectionPosition.attach(async () =>
      (await samples()).map((p) => ({ labels: { projection: p.name }, value: p.position })),
    );
    metrics.projectionLag.attach(async () =>
      (await samples()).map((p) => ({ labels: { projection: p.name }, value: lagBetween(p.head, p.position) })),
    );
    metrics.projectionFailing.attach(async () => [
      { labels: {}, value: (await projections.status()).lastError ? 1 : 0 },
    ]);
  }

  if (reactors) {
    metrics.reactorPosition.attach(() =>
      reactors.status().reactors.map((r) => ({ labels: { reactor: r.name }, value: commitOf(r.position) })),
    );
    metrics.reactorBacklog.attach(async () => {
      const at = await head();
      return reactors
        .status()
        .reactors.map((r) => ({ labels: { reactor: r.name }, value: lagBetween(at, commitOf(r.position)) }));
    });
    metrics.reactorParked.attach(async (): Promise<GaugeSample[]> => {
      const parked = await parkedPerReactor(sources.documentStore);
      return reactors.status().reactors.map((r) => ({ labels: { reactor: r.name }, value: parked.get(r.name) ?? 0 }));
    });
  }

  if (relay) {
    const labels = { relay: relay.name };
    metrics.relayPosition.attach(() => [{ labels, value: commitOf(relay.status().position) }]);
    metrics.relayLag.attach(async () => [
      { labels, value: lagBetween(await head(), commitOf(relay.status().position)) },
    ]);
    metrics.relayPublished.attach(() => [{ labels, value: relay.status().published }]);
    metrics.relayFailures.attach(() => [{ labels, value: relay.status().failures }]);
  }
}
