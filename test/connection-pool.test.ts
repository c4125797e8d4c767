/** The HTTP client's connection pool: many attempts to one endpoint go out at once, and a request's timeout starts only when it is sent. */
import { Agent } from 'undici';
import { createHttpClient } from '../src/core/http';
import { useDatabase, useReceivers, useStack } from './helpers/fixtures';
import { eventually, publish, subscribe, uniqueOrg } from './helpers/scenario';

const DELIVERIES = 80;
/** Longest a request is held when fewer than DELIVERIES are open at once: within the 30 s timeout, but not twice. */
const HOLD_MS = 20_000;

const db = useDatabase('connection-pool');
// Under load, the first attempt of some deliveries may start late: the window leaves them room.
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '5m' });

/** Starts a receiver that stays up until the file's tests are done. */
const receiver = useReceivers();

test(`${DELIVERIES} attempts admitted to one endpoint are all sent at once, and none is recorded as a timeout`, async () => {
  // Every request is held until all of them are open at once, or for HOLD_MS. A request made to wait for a
  // connection in the client, with its timeout running, is held HOLD_MS more once sent, and runs out of time.
  let open = 0;
  let peak = 0;
  const held = new Set<() => void>();
  const endpoint = await receiver((_request, res) => {
    open += 1;
    peak = Math.max(peak, open);
    const answer = () => {
      if (!held.delete(answer)) return;
      clearTimeout(timer);
      open -= 1;
      res.writeHead(200).end();
    };
    const timer = setTimeout(answer, HOLD_MS);
    held.add(answer);
    if (open >= DELIVERIES) for (const release of [...held]) release();
  });
  const org = uniqueOrg();
  await subscribe(stack, org, endpoint.url, { body: { maxConcurrency: 100, timeoutMs: 30_000 } });
  await Promise.all(Array.from({ length: DELIVERIES }, (_, n) => publish(stack, org, { n })));

  const finished = await eventually(
    async () => {
      const { rows } = await db.pool.query<{ status: string; attempt_count: number }>(
        `SELECT status, attempt_count FROM deliveries WHERE org_id = $1 AND status IN ('delivered', 'dead_lettered')`,
        [org],
      );
      return rows.length === DELIVERIES ? rows : undefined;
    },
    150_000,
    `all ${DELIVERIES} deliveries to finish`,
  );
  const { rows: failed } = await db.pool.query<{ error_class: string | null }>(
    'SELECT a.error_class FROM delivery_attempts a JOIN deliveries d USING (delivery_id) WHERE d.org_id = $1 AND a.error_class IS NOT NULL',
    [org],
  );

  // More were open at once than the 50 connections per origin the client used to keep.
  expect(peak).toBeGreaterThan(50);
  expect(failed).toEqual([]);
  expect(finished.filter((d) => d.status !== 'delivered' || d.attempt_count !== 1)).toEqual([]);
}, 240_000);

test('a request waiting for a free connection is not timed out: its timeout starts when it is sent', async () => {
  // Each answer takes 1 s; three requests share one connection, so the last is sent after 2 s of waiting.
  const endpoint = await receiver((_request, res) => {
    setTimeout(() => res.writeHead(200).end(), 1_000);
  });
  const http = createHttpClient({ dispatcher: new Agent({ connections: 1 }) });
  try {
    const answers = await Promise.all(
      [1, 2, 3].map((n) =>
        http.post(endpoint.url, {}, `{"n":${n}}`, 2_500).then(
          (result) => result.statusCode,
          (error: unknown) => String(error),
        ),
      ),
    );
    expect(answers).toEqual([200, 200, 200]);
    expect(endpoint.requests.map((r) => r.body)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  } finally {
    await http.close();
  }
});
