/** Hostile bodies and paths: deeply nested JSON, malformed path ids and over-long webhook URLs are refused with 422 without exhausting the stack, and nothing is written. */
import { MAX_JSON_DEPTH } from '../src/api/app';
import { useApi, useDatabase } from './helpers/fixtures';

const db = useDatabase('hostile-bodies');
const api = useApi(db);
beforeAll(async () => {
  await api.api('PUT', '/event-types/order.created', {});
  await api.api('PUT', '/webhooks/acme/configs/main', { url: 'https://example.com/hook', eventNames: ['order.created'] });
});

/** `levels` objects, one inside the other, around a string. */
const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
};

async function eventCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
  return rows[0].n;
}

test(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused with 422 and writes nothing`, async () => {
  const before = await eventCount();
  // The body object itself is the first level.
  const tooDeep = await api.api('POST', '/events', { eventName: 'order.created', orgId: 'acme', data: nested(MAX_JSON_DEPTH) });
  expect(tooDeep.status).toBe(422);
  expect(tooDeep.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(tooDeep.body).toMatchObject({ field: '(body)', detail: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
  expect(await eventCount()).toBe(before);

  const deepest = await api.api('POST', '/events', { eventName: 'order.created', orgId: 'acme', data: nested(MAX_JSON_DEPTH - 1) });
  expect(deepest.status).toBe(202);
  expect(await eventCount()).toBe(before + 1);
});

test('a very deep array body is refused without exhausting the stack', async () => {
  const body = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
  const response = await api.api('POST', '/events', body);
  // Well-formed JSON, refused for its depth: a validation failure, like the nested object above.
  expect(response.status).toBe(422);
  expect(response.body).toMatchObject({ field: '(body)', detail: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
});

test.each([
  ['a path id with a slash-encoded part', 'PUT', '/webhooks/ac%2Fme/configs/main'],
  ['a path id longer than 128 characters', 'PUT', `/webhooks/${'o'.repeat(129)}/configs/main`],
  ['a path id with spaces', 'GET', '/webhooks/ac%20me/configs'],
])('%s answers 422 naming the path parameter', async (_label, method, path) => {
  const response = await api.api(method, path, method === 'PUT' ? { url: 'https://example.com/hook', eventNames: ['order.created'] } : undefined);
  expect(response.status).toBe(422);
  expect(response.body).toMatchObject({ field: expect.stringMatching(/^(path\.)?orgId$/) });
});

test('a webhook URL longer than 2048 characters answers 422 on url and stores nothing', async () => {
  const url = `https://example.com/${'x'.repeat(2048)}`;
  const response = await api.api('PUT', '/webhooks/acme/configs/long', { url, eventNames: ['order.created'] });
  expect(response.status).toBe(422);
  expect(response.body).toMatchObject({ field: 'url' });
  expect((await api.api('GET', '/webhooks/acme/configs/long')).status).toBe(404);
});
