/**
 * Open deliveries live for days: every history recorded in test/fixtures/histories/ (one per state the
 * workflow can be in, from each released version) must replay against today's workflow code.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { testEnv } from './setup/test-env';

const DIR = path.join(__dirname, 'fixtures', 'histories');
const files = readdirSync(DIR).filter((name) => name.endsWith('.json')).sort();

test('there are recorded histories of every state', () => {
  const states = [
    'delivered-first-try',
    'retried-then-delivered',
    'dead-lettered',
    'retried-by-signal',
    'retry-during-backoff',
    'expired',
    'retry-during-attempt',
    'continued-as-new',
    'resumed-after-continue-as-new',
    'answer-recorded-by-workflow',
    'cancelled',
  ];
  for (const state of states) expect(files.some((name) => name.endsWith(`-${state}.json`))).toBe(true);
});

test.each(files)('%s replays against the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(DIR, file), 'utf8')));
  expect(history.events?.length).toBeGreaterThan(3);
  await Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, file);
});
