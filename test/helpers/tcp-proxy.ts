/** A TCP proxy a test can cut and restore, to take a server away from one client without stopping it. */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Refuses new connections and resets the open ones: the upstream looks down. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /** Resets every connection at the moment a client sends bytes containing `marker`, and keeps refusing until `restore`. */
  cutWhenSent(marker: string): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, so a test can take that server away from one
 * client (an API process, say) without stopping it for everyone else.
 */
export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let trigger: string | undefined;
  let port = 0;

  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };

  const handle = (client: Socket) => {
    const server = createConnection(upstream);
    sockets.add(client).add(server);
    client.on('data', (chunk: Buffer) => {
      if (trigger && chunk.includes(trigger)) {
        trigger = undefined;
        void proxy.cut();
        return;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
    for (const [a, b] of [[client, server], [server, client]] as const) {
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
    }
  };

  let listener = createServer(handle);
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = (listener.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();

  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    async cut() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      resetAll();
      await closed;
    },
    async restore() {
      if (listener.listening) return;
      listener = createServer(handle);
      await listen();
    },
    cutWhenSent(marker) {
      trigger = marker;
    },
    async close() {
      if (listener.listening) await proxy.cut();
      resetAll();
    },
  };
  return proxy;
}
