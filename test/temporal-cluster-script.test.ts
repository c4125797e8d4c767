/**
 * `npm run temporal:cluster` as a person runs it: it prints the frontend of a ready cluster, a run after
 * one killed with SIGKILL stops the processes that run left, and Ctrl-C stops all four processes.
 */
import { Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { isAlive } from '../src/dev/processes';
import { clusterLayout } from '../src/dev/temporal-cluster';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/temporal';
import { freePortRange } from '../src/dev/free-port';
import { type LauncherProcess, spawnLauncher } from './helpers/launcher-process';
import { processesWith } from './helpers/processes';
import { eventually } from './helpers/scenario';
import { scaled, testEnv } from './setup/test-env';

let dataDir: string;
const launchers: LauncherProcess[] = [];
const suffix = randomBytes(4).toString('hex');
const databases = [`tw_cluster_script_${suffix}`, `tw_cluster_script_visibility_${suffix}`];

/** The server processes of this file's cluster, found by the directory they run in. */
const servers = () => processesWith('--root', dataDir).sort((a, b) => a - b);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tw-cluster-script-'));
});

afterAll(async () => {
  for (const launcher of launchers) launcher.killGroup('SIGKILL');
  for (const pid of servers()) process.kill(pid, 'SIGKILL');
  await eventually(async () => servers().length === 0, 10_000, 'the cluster processes to end');
  const client = new pg.Client({ connectionString: testEnv('databaseUrl') });
  await client.connect();
  try {
    for (const name of databases) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await rm(dataDir, { recursive: true, force: true });
}, scaled(60_000));

test('npm run temporal:cluster prints a ready frontend, stops what a killed run left, and Ctrl-C stops all four processes', async () => {
  const basePort = await freePortRange(clusterLayout(0).portCount);
  const env = {
    DATABASE_URL: testEnv('databaseUrl'),
    TEMPORAL_CLUSTER_DATABASE: databases[0],
    TEMPORAL_CLUSTER_VISIBILITY_DATABASE: databases[1],
    TEMPORAL_CLUSTER_BASE_PORT: String(basePort),
    TEMPORAL_CLUSTER_DATA_DIR: dataDir,
    TEMPORAL_CLUSTER_LOG_LEVEL: 'warn',
  };
  const first = spawnLauncher(env, 'scripts/temporal-cluster.ts');
  launchers.push(first);
  await first.waitForOutput('Temporal cluster is ready', scaled(180_000));
  expect(first.output()).toContain(`Frontend     127.0.0.1:${basePort}`);
  expect(first.output()).toContain(`TEMPORAL_ADDRESS=127.0.0.1:${basePort} npm start`);
  const connection = await Connection.connect({ address: `127.0.0.1:${basePort}` });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(ALL_SEARCH_ATTRIBUTES.map((key) => key.name)));
  } finally {
    await connection.close();
  }
  const left = servers();
  expect(left).toHaveLength(4);

  // Killed outright, the script cannot stop its servers: they run in process groups of their own.
  first.killGroup('SIGKILL');
  await first.exited;
  expect(servers()).toEqual(left);

  const second = spawnLauncher(env, 'scripts/temporal-cluster.ts');
  launchers.push(second);
  await second.waitForOutput('Temporal cluster is ready', scaled(180_000));
  expect(second.output()).toContain(`stopped 4 cluster process(es) left running by an earlier start: ${left.join(', ')}`);
  expect(left.filter(isAlive)).toEqual([]);
  expect(servers()).toHaveLength(4);

  // Ctrl-C in a terminal: SIGINT to the script's process group.
  second.killGroup('SIGINT');
  expect(await second.exited).toBe(0);
  expect(servers()).toEqual([]);
}, scaled(420_000));
