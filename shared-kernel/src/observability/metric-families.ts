/**
 * Counters and histograms for hot paths (every appended event, every document store call).
 * prom-client's own `observe` builds a label object and a hash string per call (about 2 µs
 * here); these keep one mutable cell per label combination, resolved once by the caller,
 * so a hot path pays a few additions. They register with a prom-client `Registry` like
 * any metric (the registry only calls `get()`), so `/metrics` renders them the same way.
 */
import type { Metric, MetricValueWithName, Registry } from 'prom-client';

interface FamilyOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}

type Labels<L extends string> = Record<L, string>;

function keyOf(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : values.join('\u0000');
}

abstract class Family<L extends string, C> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly cells = new Map<string, { labels: Labels<L>; cell: C }>();

  constructor(options: FamilyOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // the registry only reads name/help/type and calls get(): the rest of Metric is unused
    options.registry.registerMetric(this as unknown as Metric);
  }

  protected abstract fresh(): C;

  /** The cell of one label combination (label values in `labelNames` order). Resolve it
   *  once and keep it where the code runs often. */
  cell(...values: string[]): C {
    const key = keyOf(values);
    const hit = this.cells.get(key);
    if (hit) return hit.cell;
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])) as Labels<L>;
    const entry = { labels, cell: this.fresh() };
    this.cells.set(key, entry);
    return entry.cell;
  }

  reset(): void {
    this.cells.clear();
  }
}

export interface CounterCell {
  value: number;
}

export class CounterFamily<L extends string> extends Family<L, CounterCell> {
  readonly type = 'counter';

  protected fresh(): CounterCell {
    return { value: 0 };
  }

  inc(values: readonly string[], by = 1): void {
    this.cell(...values).value += by;
  }

  get(): { name: string; help: string; type: 'counter'; aggregator: 'sum'; values: MetricValueWithName<string>[] } {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, cell } of this.cells.values()) values.push({ labels, value: cell.value });
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }
}

export class HistogramCell {
  sum = 0;
  count = 0;
  /** counts per bucket (not cumulative); the last slot is +Inf */
  readonly counts: Float64Array;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily<L extends string> extends Family<L, HistogramCell> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: FamilyOptions<L> & { buckets: readonly number[] }) {
    super(options);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  protected fresh(): HistogramCell {
    return new HistogramCell(this.buckets);
  }

  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValueWithName<string>[] } {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: i < this.buckets.length ? this.buckets[i]! : '+Inf' },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
