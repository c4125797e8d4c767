/** The OpenTelemetry instrumentations the service loads, and the requests they leave untraced. */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** Probes and scrapes are not worth a trace each. */
const UNTRACED_PATHS = /^\/(metrics|livez|readyz|healthz)(\/|\?|$)/;

/** The HTTP instrumentations of the service (see ./instrument.ts, which registers them at start). */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? '') }),
    // A receiver's query string may hold a token: spans keep the URL without it.
    new UndiciInstrumentation({
      startSpanHook: (request) => {
        const url = new URL(request.path, request.origin);
        return { 'url.full': `${url.origin}${url.pathname}`, 'url.query': undefined };
      },
    }),
  ];
}
