/** Rate limiting per API key: requests over RATE_LIMIT_PER_MINUTE get 429 with Retry-After, and other keys are unaffected. */
import { useApi, useDatabase } from './helpers/fixtures';

const db = useDatabase('rate-limit');
const api = useApi(db, { RATE_LIMIT_PER_MINUTE: '5' }, { checked: true });

test('each key gets RATE_LIMIT_PER_MINUTE requests; the next is 429 with Retry-After, and other keys are unaffected', async () => {
  const created = await api.api<{ key: string }>('POST', '/api-keys', { scopes: ['publish'] });
  expect(created.status).toBe(201);
  const asKey = { authorization: `Bearer ${created.body.key}` };

  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await api.api('GET', '/event-types', undefined, asKey)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200]);

  const limited = await api.api<{ status: number; field: string; type: string }>('GET', '/event-types', undefined, asKey);
  expect(limited.status).toBe(429);
  expect(limited.body).toMatchObject({ status: 429, field: 'authorization', type: expect.stringContaining('rate-limited') });
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);

  // A refused publish writes nothing.
  const refused = await api.api('POST', '/events', { eventName: 'order.created', orgId: 'acme', data: {} }, asKey);
  expect(refused.status).toBe(429);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events');
  expect(rows[0].n).toBe(0);

  // The admin key has its own budget (one request of it went to creating the key).
  expect((await api.api('GET', '/event-types')).status).toBe(200);
  // Probes are never limited.
  for (let i = 0; i < 8; i += 1) expect((await api.api('GET', '/healthz', undefined, asKey)).status).toBe(200);
});
