/**
 * Registers the OpenTelemetry SDK for this process when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set: spans are batched and exported over OTLP/HTTP (Jaeger, an OpenTelemetry
 * Collector...). Without it nothing is registered (nor even loaded) and every span stays
 * a no-op.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ObservabilityConfig } from '../observability-config.js';

export interface Tracing {
  /** exports what is still buffered, then stops */
  shutdown(): Promise<void>;
}

export async function startTracing(
  config: ObservabilityConfig,
  defaultServiceName: string,
  exporter?: SpanExporter,
): Promise<Tracing | null> {
  if (!config.otlpEndpoint && !exporter) return null;
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, node] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const spanExporter =
    exporter ?? new OTLPTraceExporter({ url: `${config.otlpEndpoint!.replace(/\/+$/, '')}/v1/traces` });
  const provider = new node.NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName ?? defaultServiceName }),
    sampler: new node.ParentBasedSampler({ root: new node.TraceIdRatioBasedSampler(config.traceSampleRatio) }),
    spanProcessors: [new node.BatchSpanProcessor(spanExporter)],
  });
  // AsyncLocalStorage context (a span stays active across awaits) and W3C propagation
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
