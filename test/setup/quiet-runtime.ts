import { DefaultLogger, Runtime } from '@temporalio/worker';

// Each test file runs its workers in this process: failed attempts are expected, so log errors only.
Runtime.install({ logger: new DefaultLogger('ERROR') });
