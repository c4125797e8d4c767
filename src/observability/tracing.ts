/**
 * OpenTelemetry tracing of one process. The tracer provider is always registered, so each delivery
 * carries a W3C `traceparent` and logs can name their trace; spans are exported over OTLP/HTTP only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, NoopSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config';
import { VERSION } from '../version';

export interface Tracing {
  /** Where spans go: also the workflows' span sink (their spans are made inside the workflow sandbox). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered. */
  shutdown(): Promise<void>;
}

/** Spans that go nowhere: the workflows' span sink of a worker that was given no tracing. */
export const NO_TRACING: Pick<Tracing, 'spanProcessor' | 'resource'> = { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() };

export function startTracing(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  options: { role: 'api' | 'worker' | 'service'; exporter?: SpanExporter },
): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME, [ATTR_SERVICE_VERSION]: VERSION, 'service.role': options.role });
  const exporter =
    options.exporter ??
    (config.OTEL_EXPORTER_OTLP_ENDPOINT ? new OTLPTraceExporter({ url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` }) : undefined);
  const spanProcessor = exporter ? new BatchSpanProcessor(exporter) : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // W3C trace context and baggage, and the async-hooks context manager: a request's context follows its awaits.
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}
