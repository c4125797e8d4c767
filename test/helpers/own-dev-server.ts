/** A Temporal dev server of a test's own, which it can stop and start again without touching the shared one. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevServer, startDevServer } from '../../src/dev/temporal-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/temporal';
import { testEnv } from '../setup/test-env';
import { freePort } from '../../src/dev/free-port';

export interface OwnDevServer {
  address: string;
  /** Stops the server; its SQLite file stays, so `start` brings back everything it held. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A Temporal dev server of the test's own, on fixed ports and a SQLite file, for tests that stop and
 * restart Temporal. The shared server of the run is never stopped.
 */
export async function startOwnDevServer(): Promise<OwnDevServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tw-temporal-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const options = {
    cli: testEnv('temporalCli') || undefined,
    port,
    uiPort,
    dbFilename: path.join(dir, 'temporal.db'),
    namespace: 'default',
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    // As the shared server of the run: a new database, so fairness follows TEMPORAL_FAIRNESS.
    settings: { fairness: testEnv('temporalFairness') === 'true', eagerActivities: false },
    log: () => undefined,
  };
  let server: DevServer | undefined = await startDevServer(options);
  return {
    address: server.address,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      if (!server) server = await startDevServer(options);
    },
    async destroy() {
      await server?.stop();
      server = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
