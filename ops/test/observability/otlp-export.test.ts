/**
 * startTracing with OTEL_EXPORTER_OTLP_ENDPOINT: spans leave the process as OTLP/HTTP JSON
 * (`POST <endpoint>/v1/traces`, `resourceSpans[].scopeSpans[].spans[]`, the resource's
 * `service.name`), which is what Jaeger and OpenTelemetry Collectors receive. A local HTTP
 * server stands in for the collector and checks that documented shape.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { context, propagation, trace } from '@opentelemetry/api';
import { inSpan, loadConfig, SpanKind, startTracing } from '@booking/shared-kernel';

interface Received {
  path: string;
  contentType: string;
  body: {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: { spans: { name: string; traceId: string; parentSpanId?: string; kind: number }[] }[];
    }[];
  };
}

describe('OTLP export', () => {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    propagation.disable();
    await new Promise((r) => server.close(r));
  });

  it('is off without an endpoint, and exports spans with the service name when one is set', async () => {
    expect(await startTracing(loadConfig({}).observability, 'booking-test')).toBeNull();

    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`,
      OTEL_SERVICE_NAME: 'booking-command',
    });
    const tracing = (await startTracing(config.observability, 'booking-default'))!;
    await inSpan('outer', { kind: SpanKind.SERVER }, () =>
      inSpan('inner', { kind: SpanKind.CLIENT }, async () => undefined),
    );
    await tracing.shutdown(); // flushes the batch

    expect(received.length).toBeGreaterThan(0);
    expect(received[0]!.path).toBe('/v1/traces');
    expect(received[0]!.contentType).toMatch(/^application\/json/);
    const resourceSpans = received.flatMap((r) => r.body.resourceSpans);
    const serviceName = resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    expect(serviceName).toBe('booking-command');
    const spans = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const outer = spans.find((s) => s.name === 'outer')!;
    const inner = spans.find((s) => s.name === 'inner')!;
    expect(inner.traceId).toBe(outer.traceId);
    expect(inner.parentSpanId).toBeTruthy();
  });
});
