/**
 * How `npm start` and the tests decide whether a Postgres is there: a refused port means none, and a
 * server that is slow to answer (a busy machine) is asked again instead of being taken for missing.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { canConnect } from '../src/dev/postgres';
import { testEnv } from './setup/test-env';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A listener in front of the real Postgres whose first `stalled` connections are accepted and never answered. */
async function slowFront(stalled: number): Promise<number> {
  const upstream = new URL(testEnv('databaseUrl'));
  let seen = 0;
  const server = createServer((client) => {
    sockets.push(client);
    if (seen++ < stalled) return;
    const real = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    sockets.push(real);
    client.pipe(real).pipe(client);
    for (const socket of [client, real]) socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const urlAt = (port: number): string => {
  const url = new URL(testEnv('databaseUrl'));
  url.port = String(port);
  return url.toString();
};

test('a server that does not answer its first connection in time is asked again and found', async () => {
  const port = await slowFront(1);
  expect(await canConnect(urlAt(port), 500, 3)).toBe(true);
});

test('a server that never answers is reported missing after the given tries', async () => {
  const port = await slowFront(Number.POSITIVE_INFINITY);
  const began = Date.now();
  expect(await canConnect(urlAt(port), 300, 2)).toBe(false);
  expect(Date.now() - began).toBeGreaterThanOrEqual(550);
});

test('a refused port is reported missing at once, without asking again', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const began = Date.now();
  expect(await canConnect(urlAt(port), 5_000, 3)).toBe(false);
  expect(Date.now() - began).toBeLessThan(2_000);
});
