/**
 * Once per run: one real Temporal dev server (its search attributes registered; task queue fairness on
 * unless TEMPORAL_FAIRNESS=false, eager activities when TEMPORAL_EAGER_ACTIVITIES=true), one Postgres to
 * create per-file databases in (each a copy of one migrated template), and one prebuilt workflow bundle.
 * Tests read their addresses from TEST_ENV.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { loadDevServerConfig } from '../../src/config';
import { resolveDatabase } from '../../src/dev/postgres';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { devServerSettingsArgs } from '../../src/dev/temporal-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/temporal';
import { createTemplateDatabase } from '../helpers/database';
import { TEST_ENV, type TestGlobals } from './test-env';

export default async function globalSetup(): Promise<void> {
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  const cli = findTemporalCli(process.env);
  const serverConfig = loadDevServerConfig(process.env);
  const settings = { fairness: serverConfig.TEMPORAL_FAIRNESS, eagerActivities: serverConfig.TEMPORAL_EAGER_ACTIVITIES };
  const [env, database, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli ? { type: 'existing-path', path: cli } : undefined,
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
        extraArgs: ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off', ...devServerSettingsArgs(settings)],
      },
    }),
    resolveDatabase(process.env, (line) => console.log(line)),
    mkdtemp(path.join(tmpdir(), 'tw-bundle-')).then((dir) => writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'))),
  ]);
  const template = await createTemplateDatabase(database.url);
  (globalThis as TestGlobals).__twTeardown = async () => {
    await template.drop();
    await env.teardown();
    await database.stop();
  };
  process.env[TEST_ENV.temporalAddress] = env.address;
  process.env[TEST_ENV.temporalCli] = cli ?? '';
  process.env[TEST_ENV.databaseUrl] = database.url;
  process.env[TEST_ENV.templateDatabase] = template.name;
  process.env[TEST_ENV.workflowBundle] = bundle;
  process.env[TEST_ENV.temporalFairness] = String(settings.fairness);
}
