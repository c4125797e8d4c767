/**
 * Imported first by the entry points, before anything loads `http` or `undici`: the instrumentations
 * hook module loading, so they must be in place before the modules they patch are loaded. They read no
 * configuration; spans go wherever the tracer provider that src/observability/tracing.ts registers sends
 * them, and nowhere before that.
 *
 * Incoming requests (the Express app) are traced by the HTTP instrumentation: the Express
 * instrumentation of this SDK line supports Express 4 only, so the route pattern is set on the server
 * span by the app itself. Outbound deliveries are traced by the undici instrumentation, which also
 * sends the W3C `traceparent` header with each of them.
 */
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { createInstrumentations } from './instrumentations';

registerInstrumentations({ instrumentations: createInstrumentations() });
