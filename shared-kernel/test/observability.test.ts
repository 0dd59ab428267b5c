/**
 * The small pieces of metrics and tracing: the hot-path metric families render the
 * Prometheus histogram/counter shapes; W3C traceparent in and out; the bus carries the
 * trace context as a header; the OTLP variables are validated like every other one.
 */
import { describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import {
  BUS_HEADERS,
  ConfigError,
  contextFromTraceparent,
  encodeEvent,
  formatTraceparent,
  loadConfig,
  PlatformMetrics,
  type RecordedEvent,
} from '@booking/shared-kernel';

const event = (traceparent?: string): RecordedEvent => ({
  streamId: 'booking-1',
  revision: 0n,
  position: { commit: 7n, prepare: 7n },
  type: 'BookingPlaced',
  data: {},
  metadata: {
    eventId: 'e-1',
    correlationId: 'c-1',
    causationId: 'r-1',
    actor: { id: 'customer-alice', role: 'customer' },
    schemaVersion: 1,
    recordedAt: '2026-01-01T00:00:00.000Z',
    ...(traceparent ? { traceparent } : {}),
  },
});

describe('metric families', () => {
  it('a histogram renders cumulative buckets, +Inf, sum and count per label set', async () => {
    const metrics = new PlatformMetrics();
    const cell = metrics.eventStoreCalls.cell('append', 'ok');
    for (const v of [0.00005, 0.0003, 0.0003, 3]) cell.observe(v);
    const text = await metrics.registry.metrics();
    const line = (le: string) =>
      `booking_event_store_call_duration_seconds_bucket{operation="append",outcome="ok",le="${le}"}`;
    expect(text).toContain('# TYPE booking_event_store_call_duration_seconds histogram');
    expect(text).toContain(`${line('0.0001')} 1`);
    expect(text).toContain(`${line('0.0005')} 3`);
    expect(text).toContain(`${line('2.5')} 3`);
    expect(text).toContain(`${line('+Inf')} 4`);
    expect(text).toMatch(/booking_event_store_call_duration_seconds_sum\{operation="append",outcome="ok"\} 3\.00065/);
    expect(text).toContain('booking_event_store_call_duration_seconds_count{operation="append",outcome="ok"} 4');
  });

  it('a counter keeps one cell per label set, escapes label values, and refuses a wrong label count', async () => {
    const metrics = new PlatformMetrics();
    metrics.commandsRejected.cell('PlaceBooking', 'sold-out').value += 2;
    metrics.commandsRejected.cell('PlaceBooking', 'sold-out').value++;
    metrics.commandsRejected.cell('Odd"Name', 'error').value++;
    const text = await metrics.registry.metrics();
    expect(text).toContain('booking_commands_rejected_total{command="PlaceBooking",reason="sold-out"} 3');
    expect(text).toContain('booking_commands_rejected_total{command="Odd\\"Name",reason="error"} 1');
    expect(() => metrics.commandsRejected.cell('only-one')).toThrow(/expected 2 label values/);
    // conflicts and retries exist from the start, at 0
    expect(text).toContain('booking_command_conflicts_total 0');
  });
});

describe('trace context', () => {
  it('parses a W3C traceparent into a remote parent and formats it back', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const sc = trace.getSpanContext(contextFromTraceparent(tp))!;
    expect(sc).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      isRemote: true,
    });
    expect(formatTraceparent(sc)).toBe(tp);
  });

  it('ignores malformed and all-zero ids (a fresh trace starts instead)', () => {
    for (const bad of [
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ])
      expect(trace.getSpanContext(contextFromTraceparent(bad)), String(bad)).toBeUndefined();
  });

  it('a published event carries its traceparent as a header, and none when untraced', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(encodeEvent(event(tp)).headers?.[BUS_HEADERS.traceparent]).toBe(tp);
    expect(encodeEvent(event()).headers).not.toHaveProperty(BUS_HEADERS.traceparent);
  });
});

describe('observability configuration', () => {
  it('exports no traces by default; OTLP endpoint, service name and sample ratio are validated', () => {
    expect(loadConfig({}).observability).toEqual({ otlpEndpoint: null, serviceName: null, traceSampleRatio: 1 });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_SERVICE_NAME: 'booking-command',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).observability,
    ).toEqual({ otlpEndpoint: 'http://jaeger:4318', serviceName: 'booking-command', traceSampleRatio: 0.25 });
    for (const [name, value] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'jaeger:4318'],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://jaeger'],
      ['OTEL_SERVICE_NAME', 'has spaces'],
      ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
      ['OTEL_TRACES_SAMPLER_ARG', 'half'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    }
  });
});
