/**
 * A TCP load balancer on 127.0.0.1 in front of several frontends, as a cloud load balancer would sit in
 * front of them: each new connection goes to the next upstream that accepts it, round robin, so a
 * frontend that is stopping (its listener closed) is skipped and clients reconnect to the others.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  port: number;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 2_000;

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`connect to ${port} timed out`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export async function startTcpBalancer(port: number, upstreams: readonly number[]): Promise<TcpBalancer> {
  const sockets = new Set<Socket>();
  let next = 0;

  const handle = async (client: Socket) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.pause();
    const start = next++ % upstreams.length;
    let upstream: Socket | undefined;
    for (let tried = 0; tried < upstreams.length && !upstream && !client.destroyed; tried++) {
      upstream = await connectTo(upstreams[(start + tried) % upstreams.length]).catch(() => undefined);
    }
    if (!upstream || client.destroyed) {
      upstream?.destroy();
      client.resetAndDestroy();
      sockets.delete(client);
      return;
    }
    sockets.add(upstream);
    upstream.on('error', () => undefined);
    // Either side ending ends the other: a frontend that goes away resets its clients, which reconnect.
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.once('close', closeBoth);
    upstream.once('close', closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const server: Server = createServer((client) => void handle(client));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
  });
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
