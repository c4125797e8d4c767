/** Graceful close of an HTTP server: stop accepting, finish what is in flight, drop idle sockets. */
import type { Server } from 'node:http';

/** Stops accepting, lets in-flight requests finish, then closes idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
