import { DefaultLogger, Runtime } from '@temporalio/worker';

// Each test file runs its workers in this process: keep the SDK's own logging to warnings.
Runtime.install({ logger: new DefaultLogger('WARN') });
