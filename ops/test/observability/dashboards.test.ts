/**
 * ops/observability against the code: the Prometheus scrape config reaches every role's
 * /metrics, the alert rules and the Grafana dashboards load (YAML/JSON with the shape their
 * tools read), and every metric their PromQL names is one the platform registers — so a
 * renamed metric cannot leave a dashboard blank or an alert silent. (The integration tier
 * also runs `promtool check config/rules` when promtool is installed: ops/infra/promtool.sh.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KNOWN_ROLES, PlatformMetrics } from '@booking/shared-kernel';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.join(root, 'ops/observability');
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const yaml = (rel: string) => obj(parse(fs.readFileSync(path.join(root, rel), 'utf8')));

/** series Prometheus itself adds to every scrape */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const KNOWN = new PlatformMetrics().seriesNames();

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** the metric names a PromQL expression selects (not functions, keywords or label names) */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2]) continue; // a function call
    if (PROMQL_WORDS.has(m[1]!.toLowerCase())) continue;
    names.push(m[1]!);
  }
  return names;
}

function balanced(expr: string): boolean {
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '')) {
    if ('([{'.includes(c)) open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) return false;
  }
  return open.length === 0;
}

function expectKnownMetrics(where: string, expr: string) {
  expect(balanced(expr), `${where}: balanced brackets in ${expr}`).toBe(true);
  const names = metricNames(expr);
  expect(names.length, `${where}: selects at least one metric`).toBeGreaterThan(0);
  for (const name of names) expect(KNOWN.has(name) || SYNTHETIC.has(name), `${where}: ${name} is exported`).toBe(true);
}

describe('metric name extraction (sanity)', () => {
  it('finds selectors, not functions, keywords, labels or Grafana variables', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(booking_http_request_duration_seconds_bucket{job=~"$job",status=~"5.."}[$__rate_interval]))) / on(job) group_left up',
      ),
    ).toEqual(['booking_http_request_duration_seconds_bucket', 'up']);
    expect(metricNames('max by (projection) (booking_projection_lag_events) > 1000')).toEqual([
      'booking_projection_lag_events',
    ]);
  });
  it('the code registers what the dashboards need (sanity of the known list)', () => {
    for (const n of [
      'booking_http_request_duration_seconds_bucket',
      'booking_projection_lag_events',
      'booking_reactor_dead_letters_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(KNOWN, n).toContain(n);
  });
});

describe('Prometheus', () => {
  const config = yaml('ops/observability/prometheus.yml');

  it('scrapes every role on :8080/metrics and loads the alert rules', () => {
    const jobs = arr(config.scrape_configs).map(obj);
    for (const role of KNOWN_ROLES) {
      const job = jobs.find((j) => j.job_name === role);
      expect(job, `job ${role}`).toBeDefined();
      expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
      const sd = arr(job!.dns_sd_configs).map(obj);
      expect(sd.flatMap((s) => arr(s.names))).toEqual([role]);
      expect(sd.every((s) => s.port === 8080)).toBe(true);
    }
    expect(arr(config.rule_files)).toEqual(['/etc/prometheus/alerts.yml']);
  });

  it('alert rules: the three the operators asked for, each well-formed, over exported metrics only', () => {
    const groups = arr(yaml('ops/observability/alerts.yml').groups).map(obj);
    expect(groups.length).toBeGreaterThan(0);
    const rules = groups.flatMap((g) => {
      expect(typeof g.name).toBe('string');
      return arr(g.rules).map(obj);
    });
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['ProjectionLagHigh', 'DeadLettersAppearing', 'HighServerErrorRate']));
    for (const rule of rules) {
      const name = String(rule.alert);
      expect(name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(typeof rule.expr, name).toBe('string');
      if (rule.for !== undefined) expect(String(rule.for), name).toMatch(/^\d+[smhd]$/);
      expect(['critical', 'warning', 'info'], name).toContain(obj(rule.labels).severity);
      expect(typeof obj(rule.annotations).summary, name).toBe('string');
      expectKnownMetrics(`alert ${name}`, String(rule.expr));
    }
    const lag = rules.find((r) => r.alert === 'ProjectionLagHigh')!;
    expect(String(lag.expr)).toMatch(/booking_projection_lag_events\)?\s*>\s*\d+/);
    expect(String(rules.find((r) => r.alert === 'HighServerErrorRate')!.expr)).toContain('status=~"5.."');
  });
});

describe('Grafana', () => {
  const datasources = arr(yaml('ops/observability/grafana/provisioning/datasources/prometheus.yml').datasources).map(
    obj,
  );
  const providers = arr(yaml('ops/observability/grafana/provisioning/dashboards/dashboards.yml').providers).map(obj);
  const dashboardsDir = path.join(dir, 'grafana/dashboards');
  const files = fs.readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));

  it('provisions the Prometheus datasource and the dashboards folder', () => {
    expect(datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    expect(providers.map((p) => obj(p.options).path)).toEqual(['/var/lib/grafana/dashboards']);
    expect(files.sort()).toEqual(['golden-signals.json', 'projection-lag.json']);
  });

  for (const file of files) {
    it(`${file}: a dashboard whose panels query exported metrics through the provisioned datasource`, () => {
      const dashboard = obj(JSON.parse(fs.readFileSync(path.join(dashboardsDir, file), 'utf8')));
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(typeof dashboard.title).toBe('string');
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      const panels = arr(dashboard.panels).map(obj);
      expect(panels.length).toBeGreaterThan(4);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const panel of panels) {
        const where = `${file} panel ${String(panel.title)}`;
        expect(['timeseries', 'stat', 'gauge', 'table'], where).toContain(panel.type);
        expect(obj(panel.gridPos), where).toMatchObject({
          x: expect.any(Number),
          y: expect.any(Number),
          w: expect.any(Number),
          h: expect.any(Number),
        });
        expect(obj(panel.datasource).uid, where).toBe('prometheus');
        const targets = arr(panel.targets).map(obj);
        expect(targets.length, where).toBeGreaterThan(0);
        for (const t of targets) expectKnownMetrics(where, String(t.expr));
      }
      for (const v of arr(obj(dashboard.templating).list).map(obj)) {
        const query = String(obj(v.query).query ?? v.query);
        const m = /label_values\((\w+)/.exec(query);
        if (m) expect(KNOWN.has(m[1]!), `${file} variable ${String(v.name)}: ${m[1]}`).toBe(true);
      }
    });
  }

  it('the golden signals dashboard covers traffic, errors, latency and saturation; the other projection lag', () => {
    const titles = (f: string) =>
      arr(obj(JSON.parse(fs.readFileSync(path.join(dashboardsDir, f), 'utf8'))).panels).map((p) =>
        String(obj(p).title),
      );
    for (const signal of ['Traffic', 'Errors', 'Latency', 'Saturation'])
      expect(
        titles('golden-signals.json').some((t) => t.startsWith(signal)),
        signal,
      ).toBe(true);
    expect(titles('projection-lag.json')[0]).toMatch(/Projection lag/);
  });
});

describe('compose', () => {
  const compose = obj(parse(fs.readFileSync(path.join(root, 'ops/compose.yaml'), 'utf8'), { merge: true }));
  const services = obj(compose.services);

  it('starts Prometheus, Grafana and Jaeger with the files of ops/observability mounted', () => {
    for (const name of ['prometheus', 'grafana', 'jaeger']) expect(services[name], name).toBeDefined();
    for (const name of ['prometheus', 'grafana']) {
      for (const volume of arr(obj(services[name]).volumes).map(String)) {
        const [source] = volume.split(':');
        if (!source!.startsWith('./')) continue; // named volume
        expect(fs.existsSync(path.join(root, 'ops', source!)), `${name} mounts ${source}`).toBe(true);
      }
    }
    expect(arr(obj(services.prometheus).volumes)).toContain('./observability/alerts.yml:/etc/prometheus/alerts.yml:ro');
    // the image runs the release whose promtool checks these files (Go module v0.3XX.Y = v3.XX.Y)
    const versions = fs.readFileSync(path.join(root, 'ops/infra/versions.env'), 'utf8');
    const m = /^PROMTOOL_MODULE_VERSION=v0\.3(\d\d)\.(\d+)$/m.exec(versions)!;
    expect(String(obj(services.prometheus).image)).toBe(`prom/prometheus:v3.${Number(m[1])}.${m[2]}`);
  });

  it('points every role at Jaeger over OTLP and keeps /metrics off the public gateway', () => {
    const env = obj(obj(services.command).environment);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    const conf = String(obj(obj(compose.configs)['gateway-conf']).content);
    expect(conf).toMatch(/location = \/metrics \{ return 404; \}/);
  });
});
