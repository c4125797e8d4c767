/**
 * Each hostile request gets the 4xx and problem field it should, and writes nothing: no row changes
 * in any table, and no workflow starts. Loopback is not opened here, unlike the other suites.
 */
import { useApi, useDatabase } from './helpers/fixtures';

let orgKey: string;
let publishKey: string;
let revokedKey: string;

const ORG = 'org-a';
const OTHER = 'org-b';
const config = { url: 'https://hooks.example.com/in', eventNames: ['order.created'] };

const db = useDatabase('hostile-requests');
const api = useApi(db, { ALLOWED_PRIVATE_CIDRS: '', MAX_PAYLOAD_BYTES: '65536' });
beforeAll(async () => {
  expect((await api.api('PUT', '/event-types/order.created', {})).status).toBe(201);
  expect((await api.api('PUT', `/webhooks/${ORG}/configs/main`, config)).status).toBe(201);
  expect((await api.api('PUT', `/webhooks/${OTHER}/configs/main`, config)).status).toBe(201);
  const key = async (scopes: string[]) => (await api.api<{ key: string; keyId: string }>('POST', '/api-keys', { scopes })).body;
  orgKey = (await key([`org:${ORG}`])).key;
  publishKey = (await key(['publish'])).key;
  const revoked = await key(['admin']);
  revokedKey = revoked.key;
  expect((await api.api('DELETE', `/api-keys/${revoked.keyId}`)).status).toBe(204);
});

/** Every table's rows, hashed: equal snapshots mean nothing was written. A key's last use is bookkeeping, not a write. */
const SNAPSHOTS: Record<string, string> = {
  event_types: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM event_types t',
  webhook_configs: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM webhook_configs t',
  events: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM events t',
  idempotency_keys: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM idempotency_keys t',
  deliveries: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM deliveries t',
  delivery_attempts: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM delivery_attempts t',
  dead_letters: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM dead_letters t',
  delivery_leases: 'SELECT md5(string_agg(t::text, $$|$$ ORDER BY t::text)) AS digest FROM delivery_leases t',
  api_keys: `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest
             FROM (SELECT key_id, prefix, key_hash, scopes, description, created_at, revoked_at FROM api_keys) t`,
};

async function snapshot(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(SNAPSHOTS).map(async ([table, sql]) => {
      const { rows } = await db.pool.query<{ digest: string | null }>(sql);
      return [table, rows[0].digest ?? 'empty'] as const;
    }),
  );
  return Object.fromEntries(entries);
}

const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
};

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** Sent as is, with the given content type. */
  raw?: { text: string; type: string };
  key?: () => string;
  status: number;
  field?: string;
}

const as = (key: () => string) => key;
const configPut = (url: string): Pick<Case, 'method' | 'path' | 'body'> => ({ method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, url } });

const ssrf: Case[] = [
  ['127.1', 'http://127.1/hook'],
  ['decimal 2130706433', 'http://2130706433/hook'],
  ['hex 0x7f000001', 'http://0x7f000001/hook'],
  ['octal 017700000001', 'http://017700000001/hook'],
  ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/hook'],
  ['localhost', 'http://localhost/hook'],
  ['a name under localhost', 'http://api.localhost/hook'],
  ['cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
  ['private 10/8', 'http://10.1.2.3/hook'],
  ['private 172.16/12', 'http://172.20.0.1/hook'],
  ['private 192.168/16', 'http://192.168.0.10/hook'],
  ['CGNAT 100.64/10', 'http://100.64.0.1/hook'],
  ['0.0.0.0/8', 'http://0.0.0.0/hook'],
  ['multicast', 'http://224.0.0.251/hook'],
  ['broadcast', 'http://255.255.255.255/hook'],
  ['IPv6 loopback', 'http://[::1]/hook'],
  ['IPv6 link-local', 'http://[fe80::1]/hook'],
  ['IPv6 ULA', 'http://[fd12:3456::1]/hook'],
  ['not http(s)', 'ftp://hooks.example.com/in'],
  ['credentials in the URL', 'https://user:pass@hooks.example.com/in'],
  ['URL over 2048 characters', `https://hooks.example.com/${'a'.repeat(2050)}`],
].map(([what, url]) => ({ name: `SSRF: ${what}`, ...configPut(url), status: 422, field: 'url' }));

const cases: Case[] = [
  ...ssrf,
  { name: 'SSRF: PATCH to an internal address', method: 'PATCH', path: `/webhooks/${ORG}/configs/main`, body: { url: 'http://10.0.0.1/' }, status: 422, field: 'url' },
  {
    name: 'SSRF: OAuth token URL on the metadata address',
    method: 'PUT',
    path: `/webhooks/${ORG}/configs/new`,
    body: { ...config, auth: { type: 'oauth2', tokenUrl: 'http://169.254.169.254/token', clientId: 'c', clientSecret: 's' } },
    status: 422,
    field: 'auth.tokenUrl',
  },

  { name: 'scope: no key', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: config, key: as(() => ''), status: 401, field: 'authorization' },
  { name: 'scope: revoked key', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: config, key: as(() => revokedKey), status: 401, field: 'authorization' },
  { name: "scope: org key creates in another org", method: 'PUT', path: `/webhooks/${OTHER}/configs/new`, body: config, key: as(() => orgKey), status: 404 },
  { name: "scope: org key deletes another org's config", method: 'DELETE', path: `/webhooks/${OTHER}/configs/main`, key: as(() => orgKey), status: 404 },
  { name: "scope: org key rotates another org's secret", method: 'POST', path: `/webhooks/${OTHER}/configs/main/secret/rotate`, key: as(() => orgKey), status: 404 },
  { name: 'scope: org key publishes for another org', method: 'POST', path: `/webhooks/${OTHER}/events`, body: { eventName: 'order.created', data: {} }, key: as(() => orgKey), status: 404 },
  { name: 'scope: org key publishes through /events', method: 'POST', path: '/events', body: { eventName: 'order.created', orgId: ORG, data: {} }, key: as(() => orgKey), status: 403, field: 'authorization' },
  { name: 'scope: org key registers an event type', method: 'PUT', path: '/event-types/order.paid', body: {}, key: as(() => orgKey), status: 403, field: 'authorization' },
  { name: 'scope: org key mints an admin key', method: 'POST', path: '/api-keys', body: { scopes: ['admin'] }, key: as(() => orgKey), status: 403, field: 'authorization' },
  { name: 'scope: publish key changes a config', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: config, key: as(() => publishKey), status: 403, field: 'authorization' },
  { name: 'scope: publish key mints a key', method: 'POST', path: '/api-keys', body: { scopes: ['publish'] }, key: as(() => publishKey), status: 403, field: 'authorization' },

  { name: 'body: malformed JSON', method: 'POST', path: '/events', raw: { text: '{"eventName": "order.created",', type: 'application/json' }, status: 400, field: '(body)' },
  { name: 'body: wrong content type', method: 'POST', path: '/events', raw: { text: 'eventName=order.created', type: 'application/x-www-form-urlencoded' }, status: 400, field: '(body)' },
  { name: 'body: JSON null', method: 'POST', path: '/events', raw: { text: 'null', type: 'application/json' }, status: 400, field: '(body)' },
  { name: 'body: over the size limit', method: 'POST', path: '/events', body: { eventName: 'order.created', orgId: ORG, data: { blob: 'x'.repeat(70_000) } }, status: 413, field: '(body)' },
  { name: 'body: nested 65 levels', method: 'POST', path: '/events', body: { eventName: 'order.created', orgId: ORG, data: nested(64) }, status: 422, field: '(body)' },
  { name: 'body: unknown field in a config', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, isAdmin: true }, status: 422, field: 'isAdmin' },
  { name: 'body: unknown field in a publish', method: 'POST', path: '/events', body: { eventName: 'order.created', orgId: ORG, data: {}, configId: 'main' }, status: 422, field: 'configId' },
  { name: 'body: unknown field in receiver auth', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, auth: { type: 'bearer', token: 't', extra: 1 } }, status: 422, field: 'auth.extra' },
  { name: 'body: unknown receiver auth type', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, auth: { type: 'digest', token: 't' } }, status: 422, field: 'auth.type' },
  { name: 'body: CR/LF in a custom header', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, headers: { 'X-Team': 'a\r\nX-Injected: 1' } }, status: 422, field: 'headers.X-Team' },
  { name: 'body: CR/LF in a receiver credential', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, auth: { type: 'apiKey', header: 'X-Key', value: 'v\nX-Injected: 1' } }, status: 422, field: 'auth.value' },
  { name: 'body: overriding a signature header', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, headers: { 'webhook-signature': 'v1,forged' } }, status: 422, field: 'headers.webhook-signature' },
  { name: 'body: receiver auth in a reserved header', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, auth: { type: 'apiKey', header: 'Host', value: 'x' } }, status: 422, field: 'auth.header' },
  { name: 'body: malformed signing secret', method: 'PUT', path: `/webhooks/${ORG}/configs/new`, body: { ...config, secret: 'hunter2' }, status: 422, field: 'secret' },
  { name: 'body: data that is not an object', method: 'POST', path: '/events', body: { eventName: 'order.created', orgId: ORG, data: [1, 2] }, status: 422, field: 'data' },
  { name: 'body: unregistered event name', method: 'POST', path: '/events', body: { eventName: 'order.nope', orgId: ORG, data: {} }, status: 422, field: 'eventName' },
  { name: 'path: id with a space', method: 'PUT', path: `/webhooks/${ORG}/configs/bad%20id`, body: config, status: 422, field: 'path.configId' },
  { name: 'path: id with a traversal', method: 'GET', path: `/webhooks/${ORG}/configs/..%2F..%2Fapi-keys`, status: 422, field: 'path.configId' },
  { name: 'path: org id over 128 characters', method: 'PUT', path: `/webhooks/${'o'.repeat(129)}/configs/main`, body: config, status: 422, field: 'path.orgId' },
  { name: 'path: delivery id that is not a UUID', method: 'POST', path: `/webhooks/${ORG}/deliveries/1%20OR%201=1/retry`, status: 422, field: 'path.deliveryId' },
  { name: 'path: API key id that is not a UUID', method: 'DELETE', path: "/api-keys/1';DROP TABLE api_keys;--", status: 422, field: 'path.keyId' },
  { name: 'query: limit out of range', method: 'GET', path: `/webhooks/${ORG}/deliveries?limit=100000`, status: 422, field: 'query.limit' },
];

test('the table holds at least 40 hostile requests', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
});

test.each(cases)('$name → $status', async (hostile) => {
  const before = await snapshot();
  const key = hostile.key?.();
  const headers: Record<string, string> = key === undefined ? {} : { authorization: key ? `Bearer ${key}` : '' };
  const answer = hostile.raw
    ? await api.api<{ field?: string; status: number }>(hostile.method, hostile.path, hostile.raw.text, { ...headers, 'content-type': hostile.raw.type })
    : await api.api<{ field?: string; status: number }>(hostile.method, hostile.path, hostile.body, headers);
  expect({ status: answer.status, field: answer.body?.field }).toEqual({ status: hostile.status, field: hostile.field });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body.status).toBe(hostile.status);
  expect(await snapshot()).toEqual(before);
});

test('no hostile request started a workflow', async () => {
  const started = await api.client.workflow.count(`TaskQueue = "${api.config.TEMPORAL_TASK_QUEUE}"`);
  expect(started.count).toBe(0);
});

test('answers carry security headers, a request id, and no x-powered-by', async () => {
  const answer = await api.api('GET', `/webhooks/${ORG}/configs/main`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('x-powered-by')).toBeNull();
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});
