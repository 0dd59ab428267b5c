/**
 * The platform's Prometheus metrics: one `PlatformMetrics` (one registry) per platform
 * instance, so several platforms in one test process never share counters; process-wide
 * Node metrics (CPU, memory, event loop, GC) live in one shared registry, rendered with it.
 *
 * Hot paths hold pre-resolved cells (see metric-families.ts). Positions, lags and backlogs
 * are gauges computed when Prometheus scrapes, from sources the roles attach: nothing is
 * counted per event for them.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AppError } from '../errors.js';
import type { CommandObserver } from '../decider.js';
import { CounterFamily, HistogramFamily, type CounterCell, type HistogramCell } from './metric-families.js';

export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const REACTOR_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let processRegistry: Registry | null = null;

/** Node process metrics (`process_*`, `nodejs_*`), collected once per process. */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** one labelled value of a gauge computed at scrape time */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/** Something that reports gauge samples when Prometheus scrapes (a runner, the relay). */
export type GaugeSource = () => Promise<GaugeSample[]> | GaugeSample[];

class SampledGauge {
  private readonly sources: GaugeSource[] = [];
  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    const sources = this.sources;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const source of sources) for (const s of await source()) this.set(s.labels, s.value);
      },
    });
  }
  attach(source: GaugeSource): void {
    this.sources.push(source);
  }
}

/** A counter kept by a component (the relay's own tallies), read when Prometheus scrapes. */
class SampledCounter {
  private readonly sources: GaugeSource[] = [];
  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    const sources = this.sources;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const source of sources) for (const s of await source()) this.inc(s.labels, s.value);
      },
    });
  }
  attach(source: GaugeSource): void {
    this.sources.push(source);
  }
}

/** The reason label of a refused command: the problem code (`sold-out`, `validation`,
 *  `conflict`...) or `error` for anything unexpected. */
export function rejectionReason(err: unknown): string {
  return err instanceof AppError ? err.code : 'error';
}

export class PlatformMetrics {
  readonly registry = new Registry();

  // ---- HTTP (every role)
  readonly httpDuration = new HistogramFamily({
    name: 'booking_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registry: this.registry,
  });
  httpInFlight = 0;

  // ---- commands (command role, and reactors' commands)
  readonly commandsAccepted = new CounterFamily({
    name: 'booking_commands_accepted_total',
    help: 'Commands decided without refusal (appended events or were already satisfied), by command type',
    labelNames: ['command'],
    registry: this.registry,
  });
  readonly commandsRejected = new CounterFamily({
    name: 'booking_commands_rejected_total',
    help: 'Commands refused, by command type and reason (problem code)',
    labelNames: ['command', 'reason'],
    registry: this.registry,
  });
  readonly commandConflicts = new CounterFamily({
    name: 'booking_command_conflicts_total',
    help: 'Appends refused because the stream moved on since it was loaded (optimistic concurrency)',
    labelNames: [],
    registry: this.registry,
  });
  readonly commandRetries = new CounterFamily({
    name: 'booking_command_retries_total',
    help: 'Commands decided again on fresh state after a conflict',
    labelNames: [],
    registry: this.registry,
  });

  // ---- event store and document store
  readonly eventsAppended = new CounterFamily({
    name: 'booking_events_appended_total',
    help: 'Events appended to the event store, by event type',
    labelNames: ['type'],
    registry: this.registry,
  });
  readonly eventStoreCalls = new HistogramFamily({
    name: 'booking_event_store_call_duration_seconds',
    help: 'Event store call latency by operation and outcome (ok, conflict, error)',
    labelNames: ['operation', 'outcome'],
    buckets: STORE_BUCKETS,
    registry: this.registry,
  });
  readonly documentStoreCalls = new HistogramFamily({
    name: 'booking_document_store_call_duration_seconds',
    help: 'Document store call latency by operation, collection and outcome (ok, error)',
    labelNames: ['operation', 'collection', 'outcome'],
    buckets: STORE_BUCKETS,
    registry: this.registry,
  });

  // ---- reactors
  readonly reactorHandled = new CounterFamily({
    name: 'booking_reactor_events_handled_total',
    help: 'Events a reactor handled successfully',
    labelNames: ['reactor'],
    registry: this.registry,
  });
  readonly reactorFailures = new CounterFamily({
    name: 'booking_reactor_failures_total',
    help: 'Failed attempts of a reactor to handle an event',
    labelNames: ['reactor'],
    registry: this.registry,
  });
  readonly reactorRetries = new CounterFamily({
    name: 'booking_reactor_retries_total',
    help: 'Attempts that retried an event the reactor had failed on',
    labelNames: ['reactor'],
    registry: this.registry,
  });
  readonly reactorDeadLetters = new CounterFamily({
    name: 'booking_reactor_dead_letters_total',
    help: 'Events a reactor gave up on and parked as dead letters',
    labelNames: ['reactor'],
    registry: this.registry,
  });
  readonly reactorDuration = new HistogramFamily({
    name: 'booking_reactor_handle_duration_seconds',
    help: 'Time a reactor took per handled event (successful or not)',
    labelNames: ['reactor'],
    buckets: REACTOR_BUCKETS,
    registry: this.registry,
  });

  // ---- gauges computed at scrape time
  readonly headPosition = new SampledGauge(
    this.registry,
    'booking_event_store_head_position',
    'Global position (commit) of the last event in the log',
    [],
  );
  readonly projectionPosition = new SampledGauge(
    this.registry,
    'booking_projection_position',
    'Global position (commit) each projection has applied',
    ['projection'],
  );
  readonly projectionLag = new SampledGauge(
    this.registry,
    'booking_projection_lag_events',
    'Events (log positions) between the head of the log and what each projection applied',
    ['projection'],
  );
  readonly projectionFailing = new SampledGauge(
    this.registry,
    'booking_projection_runner_failing',
    '1 while the projection runner is retrying after an error',
    [],
  );
  readonly reactorPosition = new SampledGauge(
    this.registry,
    'booking_reactor_position',
    'Global position (commit) each reactor has reached',
    ['reactor'],
  );
  readonly reactorBacklog = new SampledGauge(
    this.registry,
    'booking_reactor_backlog_events',
    'Events (log positions) between the head of the log and where each reactor is',
    ['reactor'],
  );
  readonly reactorParked = new SampledGauge(
    this.registry,
    'booking_reactor_parked_events',
    'Dead letters currently parked per reactor (reactor_dead_letters)',
    ['reactor'],
  );
  // labelled by the relay's name, so a process without a relay exports none of these
  readonly relayPosition = new SampledGauge(
    this.registry,
    'booking_relay_position',
    'Global position (commit) the Kafka relay has published and checkpointed',
    ['relay'],
  );
  readonly relayLag = new SampledGauge(
    this.registry,
    'booking_relay_lag_events',
    'Events (log positions) between the head of the log and what the relay published',
    ['relay'],
  );
  readonly relayPublished = new SampledCounter(
    this.registry,
    'booking_relay_events_published_total',
    'Events the relay published (broker acknowledged)',
    ['relay'],
  );
  readonly relayFailures = new SampledCounter(
    this.registry,
    'booking_relay_publish_failures_total',
    'Failed attempts of the relay to publish or follow the log',
    ['relay'],
  );

  constructor() {
    // present from the start (at 0), so rate() and increase() see the first conflict
    this.commandConflicts.cell();
    this.commandRetries.cell();
    const inFlight = () => this.httpInFlight;
    new Gauge({
      name: 'booking_http_requests_in_flight',
      help: 'HTTP requests being handled',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
  }

  /** The decider's hook: outcome of each command, conflicts and retries. */
  readonly commandObserver: CommandObserver = {
    accepted: (command) => {
      this.commandsAccepted.cell(command).value++;
    },
    rejected: (command, err) => {
      this.commandsRejected.cell(command, rejectionReason(err)).value++;
    },
    conflicted: (retried) => {
      this.commandConflicts.cell().value++;
      if (retried > 0) this.commandRetries.cell().value += retried;
    },
  };

  /** Prometheus text of this platform's metrics and the process metrics. */
  async render(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetricsRegistry().metrics()]);
    return `${own}\n${proc}`;
  }

  readonly contentType = this.registry.contentType;

  /** Every series name this platform can export (histograms with their suffixes). */
  seriesNames(): Set<string> {
    const names = new Set<string>();
    for (const registry of [this.registry, processMetricsRegistry()]) {
      for (const m of registry.getMetricsAsArray()) {
        const { name, type } = m as unknown as { name: string; type: string };
        if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
        else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
        else names.add(name);
      }
    }
    return names;
  }
}

export type { CounterCell, HistogramCell };
