/** Webhook configs over the REST API: creating, replacing, listing, updating and deleting them, per org, and the 4xx answers to invalid requests. */
import { useDatabase, useStack } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';
import { withAdminKey } from './helpers/stack';

const db = useDatabase('configs-api');
const stack = useStack(db, {}, { checked: true });
beforeAll(async () => {
  await stack.api('PUT', '/event-types/order.created', {});
  await stack.api('PUT', '/event-types/order.paid', {});
});

const valid = { url: 'https://hooks.example.com/in', eventNames: ['order.created'] };

async function configCount(org: string): Promise<number> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM webhook_configs WHERE org_id = $1', [org]);
  return rows[0].n;
}

test('PUT creates (201, secret shown once) then replaces (200, secret kept and hidden)', async () => {
  const org = uniqueOrg();
  const created = await stack.api<Record<string, unknown>>('PUT', `/webhooks/${org}/configs/c1`, { ...valid, description: 'orders', headers: { 'X-Team': 'a' } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ orgId: org, configId: 'c1', enabled: true, timeoutMs: 15000, eventNames: ['order.created'], headers: { 'X-Team': 'a' } });
  expect(created.body.secret).toMatch(/^whsec_/);

  const replaced = await stack.api<Record<string, unknown>>('PUT', `/webhooks/${org}/configs/c1`, { ...valid, eventNames: ['*'], timeoutMs: 5000 });
  expect(replaced.status).toBe(200);
  expect(replaced.body).not.toHaveProperty('secret');
  expect(replaced.body).toMatchObject({ eventNames: ['*'], timeoutMs: 5000, description: null, headers: {} });
  const secret = await stack.api('GET', `/webhooks/${org}/configs/c1/secret`);
  expect(secret.body).toMatchObject({ secret: created.body.secret, previousSecret: null });
});

test('a given secret is used as is', async () => {
  const org = uniqueOrg();
  const secret = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
  const created = await stack.api('PUT', `/webhooks/${org}/configs/c1`, { ...valid, secret });
  expect(created.body).toMatchObject({ secret });
});

test('GET lists with pagination, PATCH updates part, DELETE removes', async () => {
  const org = uniqueOrg();
  for (const id of ['a', 'b', 'c']) await stack.api('PUT', `/webhooks/${org}/configs/${id}`, valid);
  const first = await stack.api<{ items: { configId: string }[]; nextCursor: string }>('GET', `/webhooks/${org}/configs?limit=2`);
  expect(first.body.items.map((c) => c.configId)).toEqual(['a', 'b']);
  const second = await stack.api<{ items: { configId: string }[]; nextCursor: string | null }>('GET', `/webhooks/${org}/configs?limit=2&cursor=${first.body.nextCursor}`);
  expect(second.body.items.map((c) => c.configId)).toEqual(['c']);
  expect(second.body.nextCursor).toBeNull();

  const patched = await stack.api('PATCH', `/webhooks/${org}/configs/b`, { enabled: false });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ enabled: false, disabledReason: 'disabled by user', url: valid.url });
  const reenabled = await stack.api('PATCH', `/webhooks/${org}/configs/b`, { enabled: true, eventNames: ['order.paid'] });
  expect(reenabled.body).toMatchObject({ enabled: true, disabledReason: null, eventNames: ['order.paid'] });

  expect((await stack.api('DELETE', `/webhooks/${org}/configs/a`)).status).toBe(204);
  expect((await stack.api('GET', `/webhooks/${org}/configs/a`)).status).toBe(404);
  expect((await stack.api('DELETE', `/webhooks/${org}/configs/a`)).status).toBe(404);
});

test("another org's config answers 404 on every route", async () => {
  const owner = uniqueOrg();
  const other = uniqueOrg();
  await stack.api('PUT', `/webhooks/${owner}/configs/private`, valid);
  for (const [method, path, body] of [
    ['GET', `/webhooks/${other}/configs/private`],
    ['GET', `/webhooks/${other}/configs/private/secret`],
    ['PATCH', `/webhooks/${other}/configs/private`, { enabled: false }],
    ['POST', `/webhooks/${other}/configs/private/secret/rotate`],
    ['DELETE', `/webhooks/${other}/configs/private`],
  ] as [string, string, unknown?][]) {
    const response = await stack.api(method, path, body);
    expect([method, path, response.status]).toEqual([method, path, 404]);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  }
  expect(await configCount(owner)).toBe(1);
  const still = await stack.api('GET', `/webhooks/${owner}/configs/private`);
  expect(still.body).toMatchObject({ enabled: true });
});

describe('422 names the field that failed and writes nothing', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['url missing', { eventNames: ['order.created'] }, 'url'],
    ['url not http(s)', { ...valid, url: 'ftp://example.com/x' }, 'url'],
    ['url not a URL', { ...valid, url: 'not a url' }, 'url'],
    ['url with credentials', { ...valid, url: 'https://user:pw@example.com/' }, 'url'],
    ['url too long', { ...valid, url: `https://example.com/${'a'.repeat(2100)}` }, 'url'],
    ['eventNames empty', { ...valid, eventNames: [] }, 'eventNames'],
    ['eventNames not registered', { ...valid, eventNames: ['order.created', 'nope.never'] }, 'eventNames[1]'],
    ['eventName badly formed', { ...valid, eventNames: ['Order Created'] }, 'eventNames[0]'],
    ['enabled not boolean', { ...valid, enabled: 'yes' }, 'enabled'],
    ['timeoutMs too small', { ...valid, timeoutMs: 999 }, 'timeoutMs'],
    ['timeoutMs too large', { ...valid, timeoutMs: 30001 }, 'timeoutMs'],
    ['header overriding host', { ...valid, headers: { Host: 'evil' } }, 'headers.Host'],
    ['header overriding content-type', { ...valid, headers: { 'Content-Type': 'text/plain' } }, 'headers.Content-Type'],
    ['header overriding content-length', { ...valid, headers: { 'content-length': '1' } }, 'headers.content-length'],
    ['header overriding webhook-*', { ...valid, headers: { 'Webhook-Signature': 'v1,x' } }, 'headers.Webhook-Signature'],
    ['header value with CR/LF', { ...valid, headers: { 'X-A': 'a\r\nX-B: b' } }, 'headers.X-A'],
    ['header name invalid', { ...valid, headers: { 'X A': 'a' } }, 'headers.X A'],
    ['secret malformed', { ...valid, secret: 'plain-secret' }, 'secret'],
    ['unknown field', { ...valid, colour: 'blue' }, 'colour'],
  ];
  test.each(cases)('%s', async (_name, body, field) => {
    const org = uniqueOrg();
    const response = await stack.api<{ field: string; errors: { field: string }[]; status: number }>('PUT', `/webhooks/${org}/configs/c1`, body);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body.status).toBe(422);
    expect(response.body.errors.map((e) => e.field)).toContain(field);
    expect(await configCount(org)).toBe(0);
  });

  test('path ids that do not match the id pattern', async () => {
    const response = await stack.api<{ field: string }>('PUT', `/webhooks/${encodeURIComponent('bad org')}/configs/c1`, valid);
    expect(response.status).toBe(422);
    expect(response.body.field).toBe('path.orgId');
  });

  test('PATCH with nothing to change, or a bad field', async () => {
    const org = uniqueOrg();
    await stack.api('PUT', `/webhooks/${org}/configs/c1`, valid);
    expect((await stack.api('PATCH', `/webhooks/${org}/configs/c1`, {})).status).toBe(422);
    const bad = await stack.api<{ field: string }>('PATCH', `/webhooks/${org}/configs/c1`, { url: 'gopher://x' });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('url');
    expect((await stack.api('GET', `/webhooks/${org}/configs/c1`)).body).toMatchObject({ url: valid.url });
  });
});

test('malformed JSON and a non-JSON body are 400; no body at all is 422', async () => {
  const org = uniqueOrg();
  const malformed = await stack.api('PUT', `/webhooks/${org}/configs/c1`, '{"url": ');
  expect(malformed.status).toBe(400);
  // Nothing was sent to be malformed: the config's required fields are missing, a validation failure.
  const noBody = await stack.api('PUT', `/webhooks/${org}/configs/c1`, undefined, { 'content-type': 'text/plain' });
  expect(noBody.status).toBe(422);
  const text = await fetch(`${stack.baseUrl}/webhooks/${org}/configs/c1`, { method: 'PUT', headers: withAdminKey({ 'content-type': 'text/plain' }), body: 'url=x' });
  expect(text.status).toBe(400);
  expect(await configCount(org)).toBe(0);
});
