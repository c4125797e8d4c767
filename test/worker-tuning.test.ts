// Each worker tuning setting reaches the SDK's worker options: no server, no database.
import { loadConfig } from '../src/config';
import { workerTuning } from '../src/worker/worker';

/**
 * The worker's tuning settings, kept for A/B measurement: the defaults are the worker's behaviour before
 * they existed, and each reaches the SDK's worker options.
 */
const base = { DATABASE_URL: 'postgres://localhost/x' };

test('by default the worker keeps its earlier tuning: 100 cached workflows, fixed pollers, the SDK\'s 3 eager reservations', () => {
  const options = workerTuning(loadConfig(base));
  expect(options).toMatchObject({ maxCachedWorkflows: 100, maxEagerActivityReservationsPerWorkflowTask: 3 });
  expect(options.workflowTaskPollerBehavior).toBeUndefined();
  expect(options.activityTaskPollerBehavior).toBeUndefined();
});

test('each setting reaches its worker option; the cache never goes below the workflow task slots', () => {
  const options = workerTuning(
    loadConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '2000', WORKER_POLLER_AUTOSCALING: 'true', WORKER_MAX_EAGER_ACTIVITIES: '0' }),
  );
  expect(options).toMatchObject({
    maxCachedWorkflows: 2000,
    maxEagerActivityReservationsPerWorkflowTask: 0,
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
  });
  expect(workerTuning(loadConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '5', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' })).maxCachedWorkflows).toBe(20);
});
