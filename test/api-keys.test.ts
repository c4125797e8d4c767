/** API keys: creating, scoping, listing and revoking them over the REST API. */
import { createHash } from 'node:crypto';
import { useApi, useDatabase } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';

const db = useDatabase('api-keys');
const stack = useApi(db, {}, { checked: true });
beforeAll(async () => {
  expect((await stack.api('PUT', '/event-types/order.created', {})).status).toBe(201);
});

interface CreatedKey {
  keyId: string;
  key: string;
  prefix: string;
  scopes: string[];
}

async function createKey(scopes: string[], description?: string): Promise<CreatedKey> {
  const created = await stack.api<CreatedKey>('POST', '/api-keys', { scopes, description });
  expect(created.status).toBe(201);
  return created.body;
}

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const config = { url: 'https://hooks.example.com/in', eventNames: ['order.created'] };

test('a key is shown once, stored only as its SHA-256, and listed by prefix', async () => {
  const created = await createKey(['publish'], 'billing service');
  expect(created.key).toMatch(/^twk_live_[A-Za-z0-9_-]{32}$/);
  expect(created.prefix).toBe(`${created.key.slice(0, 17)}…`);

  const { rows } = await db.pool.query('SELECT * FROM api_keys WHERE key_id = $1', [created.keyId]);
  expect(rows[0].key_hash).toEqual(createHash('sha256').update(created.key).digest());
  expect(JSON.stringify(rows[0])).not.toContain(created.key.slice(9));

  const listed = await stack.api<{ items: Record<string, unknown>[] }>('GET', '/api-keys');
  const mine = listed.body.items.find((item) => item.keyId === created.keyId);
  expect(mine).toEqual({ keyId: created.keyId, type: 'bearer', prefix: created.prefix, accessKeyId: null, scopes: ['publish'], description: 'billing service', createdAt: expect.any(String), lastUsedAt: null });
  expect(JSON.stringify(listed.body)).not.toContain(created.key);
});

test('no key, a malformed header or an unknown key is 401 with WWW-Authenticate', async () => {
  for (const headers of [{ authorization: '' }, { authorization: 'Basic abc' }, { authorization: 'Bearer twk_live_unknownunknownunknownunknown00' }]) {
    const answer = await stack.api<{ status: number; field: string }>('GET', '/event-types', undefined, headers);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body.field).toBe('authorization');
  }
  // Health and readiness stay open for probes.
  expect((await stack.api('GET', '/healthz', undefined, { authorization: '' })).status).toBe(200);
});

test('a revoked key stops working at once, and revoking twice is 404', async () => {
  const created = await createKey(['publish']);
  expect((await stack.api('GET', '/event-types', undefined, as(created.key))).status).toBe(200);
  expect((await stack.api('DELETE', `/api-keys/${created.keyId}`)).status).toBe(204);
  expect((await stack.api('GET', '/event-types', undefined, as(created.key))).status).toBe(401);
  expect((await stack.api('DELETE', `/api-keys/${created.keyId}`)).status).toBe(404);
  const listed = await stack.api<{ items: { keyId: string }[] }>('GET', '/api-keys');
  expect(listed.body.items.map((item) => item.keyId)).not.toContain(created.keyId);
});

test('a publish key publishes for any org and does nothing else', async () => {
  const { key } = await createKey(['publish']);
  const org = uniqueOrg();
  expect((await stack.api('POST', '/events', { eventName: 'order.created', orgId: org, data: {} }, as(key))).status).toBe(202);
  expect((await stack.api('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: {} }, as(key))).status).toBe(202);
  expect((await stack.api('GET', '/event-types', undefined, as(key))).status).toBe(200);
  for (const [method, path, body] of [
    ['PUT', `/webhooks/${org}/configs/main`, config],
    ['GET', `/webhooks/${org}/configs`],
    ['GET', `/webhooks/${org}/dead-letters`],
    ['PUT', '/event-types/order.paid', {}],
    ['POST', '/api-keys', { scopes: ['admin'] }],
    ['GET', '/api-keys'],
  ] as const) {
    const answer = await stack.api<{ field: string }>(method, path, body, as(key));
    expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
  }
});

test("an org key manages its own org; another org's resources are 404 and admin routes 403", async () => {
  const mine = uniqueOrg();
  const theirs = uniqueOrg();
  expect((await stack.api('PUT', `/webhooks/${theirs}/configs/main`, config)).status).toBe(201);
  const { key } = await createKey([`org:${mine}`]);

  expect((await stack.api('PUT', `/webhooks/${mine}/configs/main`, config, as(key))).status).toBe(201);
  expect((await stack.api('GET', `/webhooks/${mine}/configs/main`, undefined, as(key))).status).toBe(200);
  expect((await stack.api('GET', `/webhooks/${mine}/configs/main/secret`, undefined, as(key))).status).toBe(200);
  expect((await stack.api('POST', `/webhooks/${mine}/events`, { eventName: 'order.created', data: {} }, as(key))).status).toBe(202);
  expect((await stack.api('GET', `/webhooks/${mine}/deliveries`, undefined, as(key))).status).toBe(200);
  expect((await stack.api('GET', '/event-types', undefined, as(key))).status).toBe(200);

  // The other org's config exists, but an answer must not tell it apart from one that does not.
  for (const path of [`/webhooks/${theirs}/configs/main`, `/webhooks/${theirs}/configs/nope`, `/webhooks/${theirs}/configs/main/secret`]) {
    const answer = await stack.api<{ detail: string }>('GET', path, undefined, as(key));
    expect({ path, status: answer.status }).toEqual({ path, status: 404 });
  }
  expect((await stack.api('DELETE', `/webhooks/${theirs}/configs/main`, undefined, as(key))).status).toBe(404);
  expect((await stack.api('POST', `/webhooks/${theirs}/events`, { eventName: 'order.created', data: {} }, as(key))).status).toBe(404);
  expect((await stack.api('GET', `/webhooks/${theirs}/configs/main`)).status).toBe(200);

  expect((await stack.api('POST', '/events', { eventName: 'order.created', orgId: mine, data: {} }, as(key))).status).toBe(403);
  expect((await stack.api('PUT', '/event-types/order.paid', {}, as(key))).status).toBe(403);
  expect((await stack.api('GET', '/api-keys', undefined, as(key))).status).toBe(403);
});

test('an admin key made through the API has every scope', async () => {
  const { key } = await createKey(['admin']);
  const org = uniqueOrg();
  expect((await stack.api('PUT', '/event-types/order.refunded', {}, as(key))).status).toBe(201);
  expect((await stack.api('PUT', `/webhooks/${org}/configs/main`, config, as(key))).status).toBe(201);
  expect((await stack.api('POST', '/api-keys', { scopes: [`org:${org}`] }, as(key))).status).toBe(201);
});

test('scopes are checked when a key is made, and a refused key is not stored', async () => {
  const count = async () => (await db.pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n as number;
  const before = await count();
  for (const scopes of [[], ['everything'], ['org:'], ['org:bad id'], ['publish', 'org:a/b']]) {
    const answer = await stack.api<{ field: string }>('POST', '/api-keys', { scopes });
    expect({ scopes, status: answer.status }).toEqual({ scopes, status: 422 });
    expect(answer.body.field).toMatch(/^scopes/);
  }
  expect(await count()).toBe(before);
});
