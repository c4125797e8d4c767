// Each test file runs its workers in this process: failed attempts and a Temporal server stopped on
// purpose are expected, so log errors only, from the SDK and from its core alike.
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
