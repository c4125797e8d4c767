/** Local HTTP receivers for the benchmark: one that answers 200, one that answers 503, one that never answers. */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 'ok' answers 200 at once, 'fail' answers 503 at once, 'hang' never answers (the sender times out). */
export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface BenchReceiver {
  url: string;
  /** Receipt time (performance.now() of this process) of the first request for each eventId. */
  receipts: Map<string, number>;
  /** Requests received per eventId (a fan-out sends one event to many configs). */
  counts: Map<string, number>;
  /** Every request received, whatever its event. */
  requests(): number;
  /** Resolves when every eventId has arrived at least `perEvent` times; rejects after `timeoutMs`. */
  waitFor(eventIds: readonly string[], timeoutMs: number, perEvent?: number): Promise<void>;
  close(): Promise<void>;
}

interface Waiter {
  pending: Set<string>;
  perEvent: number;
  resolve: () => void;
}

/** A plain node:http receiver on 127.0.0.1 that records when each event arrives. */
export async function startBenchReceiver(mode: ReceiverMode): Promise<BenchReceiver> {
  const receipts = new Map<string, number>();
  const counts = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const waiters = new Set<Waiter>();
  let total = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      total += 1;
      if (mode === 'hang') {
        held.add(res);
        res.once('close', () => held.delete(res));
        return;
      }
      res.writeHead(mode === 'ok' ? 200 : 503).end();
      let eventId: string | undefined;
      try {
        eventId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventId?: string }).eventId;
      } catch {
        return;
      }
      if (!eventId) return;
      if (!receipts.has(eventId)) receipts.set(eventId, at);
      const count = (counts.get(eventId) ?? 0) + 1;
      counts.set(eventId, count);
      for (const waiter of waiters) {
        if (count >= waiter.perEvent && waiter.pending.delete(eventId) && waiter.pending.size === 0) waiter.resolve();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    receipts,
    counts,
    requests: () => total,
    waitFor(eventIds, timeoutMs, perEvent = 1) {
      const pending = new Set(eventIds.filter((id) => (counts.get(id) ?? 0) < perEvent));
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          pending,
          perEvent,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${eventIds.length - waiter.pending.size} of ${eventIds.length} events arrived (${perEvent} each) within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
