/**
 * Configuration of traces (`GET /metrics` needs none: it is always served). Parsed from the environment with the same rules as
 * the rest of the configuration (a wrong value stops the process, naming the variable).
 */
import { ConfigError } from './config.js';

export interface ObservabilityConfig {
  /** OTLP/HTTP collector base URL (Jaeger: http://jaeger:4318); null: no traces are exported */
  otlpEndpoint: string | null;
  /** service.name of the spans (default `booking-<roles>`) */
  serviceName: string | null;
  /** share of new traces recorded, 0..1 (a continued trace follows its parent's decision) */
  traceSampleRatio: number;
}

type Env = Record<string, string | undefined>;

function ratio(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < 0 || value > 1)
    throw new ConfigError(name, `must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  return value;
}

export function loadObservabilityConfig(env: Env): ObservabilityConfig {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || null;
  if (endpoint !== null) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be a URL, got ${JSON.stringify(endpoint)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `must use http: or https:, got ${parsed.protocol}`);
  }
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || null;
  if (serviceName !== null && !/^[A-Za-z0-9._-]{1,100}$/.test(serviceName))
    throw new ConfigError('OTEL_SERVICE_NAME', "may hold only letters, digits, '.', '_' and '-' (1-100)");
  return {
    otlpEndpoint: endpoint,
    serviceName,
    traceSampleRatio: ratio(env, 'OTEL_TRACES_SAMPLER_ARG', 1),
  };
}
