/** Inbound sources over the REST API: registering them, keeping their secrets hidden and encrypted, rotating secrets and refusing bad registrations. */
import { randomBytes, randomUUID } from 'node:crypto';
import { githubWebhookMethods } from '../src/inbound/github-methods';
import { useDatabase, useStack } from './helpers/fixtures';
import { createResponseChecker } from './helpers/openapi';
import { eventually, uniqueOrg } from './helpers/scenario';

/** GitHub's own signing, from @octokit/webhooks-methods. */
const githubSign = async (secret: string, payload: string): Promise<string> => (await githubWebhookMethods()).sign(secret, payload);

const checker = createResponseChecker();

const db = useDatabase('inbound-sources-api');
// Every answer is checked against docs/openapi.json, the provider's calls too (below).
const stack = useStack(db, { SECRET_ROTATION_OVERLAP: '2s' }, { checked: true });
beforeAll(async () => {
  await stack.api('PUT', '/event-types/github.push', {});
});

async function pushSignedWith(sourceId: string, secret: string): Promise<number> {
  const payload = JSON.stringify({ ref: 'refs/heads/main' });
  const response = await fetch(`${stack.baseUrl}/inbound/${sourceId}`, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign(secret, payload) },
  });
  const text = await response.text();
  checker.assert('POST', `/inbound/${sourceId}`, { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : null });
  return response.status;
}

test('PUT registers a source (201), never shows its secret, and keeps it encrypted', async () => {
  const org = uniqueOrg();
  const secret = randomBytes(20).toString('hex');
  const put = await stack.api('PUT', '/inbound/gh-main', { provider: 'github', secret, orgId: org, eventNamePrefix: 'github' });
  expect(put.status).toBe(201);
  expect(put.body).toMatchObject({ sourceId: 'gh-main', provider: 'github', orgId: org, eventNamePrefix: 'github', receivePath: '/inbound/gh-main', previousSecretExpiresAt: null });
  expect(JSON.stringify(put.body)).not.toContain(secret);
  const got = await stack.api('GET', '/inbound/gh-main');
  expect(got.status).toBe(200);
  expect(JSON.stringify(got.body)).not.toContain(secret);
  const { rows } = await db.pool.query<{ secret: string }>('SELECT secret FROM inbound_sources WHERE source_id = $1', ['gh-main']);
  expect(rows[0].secret).not.toContain(secret);

  const same = await stack.api('PUT', '/inbound/gh-main', { provider: 'github', secret, orgId: org, eventNamePrefix: 'github' });
  expect(same.status).toBe(200);
  expect(same.body.previousSecretExpiresAt).toBeNull();
  expect((await stack.api('DELETE', '/inbound/gh-main')).status).toBe(204);
  expect((await stack.api('GET', '/inbound/gh-main')).status).toBe(404);
});

test('a new secret rotates: the old one keeps verifying for SECRET_ROTATION_OVERLAP, then gets 401', async () => {
  const org = uniqueOrg();
  const oldSecret = randomBytes(20).toString('hex');
  const newSecret = randomBytes(20).toString('hex');
  const body = { provider: 'github', orgId: org, eventNamePrefix: 'github' };
  expect((await stack.api('PUT', '/inbound/gh-rotate', { ...body, secret: oldSecret })).status).toBe(201);
  expect(await pushSignedWith('gh-rotate', oldSecret)).toBe(202);

  const rotated = await stack.api<{ previousSecretExpiresAt: string }>('PUT', '/inbound/gh-rotate', { ...body, secret: newSecret });
  expect(rotated.status).toBe(200);
  const expiresAt = Date.parse(rotated.body.previousSecretExpiresAt);
  expect(expiresAt - Date.now()).toBeGreaterThan(0);
  expect(expiresAt - Date.now()).toBeLessThanOrEqual(2_000);
  expect(await pushSignedWith('gh-rotate', newSecret)).toBe(202);
  if (Date.now() < expiresAt - 500) expect(await pushSignedWith('gh-rotate', oldSecret)).toBe(202);

  await eventually(async () => (await pushSignedWith('gh-rotate', oldSecret)) === 401, 10_000, 'the old secret to stop verifying');
  expect(await pushSignedWith('gh-rotate', newSecret)).toBe(202);
});

test('bad registrations are refused naming the field, and only admin keys may register', async () => {
  const org = uniqueOrg();
  const put = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    stack.api<{ field: string }>('PUT', '/inbound/bad', { provider: 'github', secret: 's3cret', orgId: org, eventNamePrefix: 'github', ...body }, headers);
  expect((await put({ provider: 'gitlab' })).body.field).toBe('provider');
  expect((await put({ provider: 'standard', secret: 'not base64!' })).body.field).toBe('secret');
  expect((await put({ provider: 'stripe', secret: 'sk_live_123' })).body.field).toBe('secret');
  expect((await put({ eventNamePrefix: 'Not Valid' })).body.field).toBe('eventNamePrefix');
  expect((await put({ orgId: 'a/b' })).body.field).toBe('orgId');

  const key = await stack.api<{ key: string }>('POST', '/api-keys', { scopes: [`org:${org}`] });
  expect(key.status).toBe(201);
  expect((await put({}, { authorization: `Bearer ${key.body.key}` })).status).toBe(403);
  expect((await put({}, { authorization: '' })).status).toBe(401);
});
