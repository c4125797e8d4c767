/**
 * The workflow interceptor modules: OpenTelemetry's (a span per workflow run and per scheduled
 * activity, its context passed on in headers) and the log fields'. A prebuilt bundle must include
 * them (scripts/bundle-workflows.ts); a worker that bundles from source is given them.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  require.resolve('../workflows/log-fields-interceptors'),
];
