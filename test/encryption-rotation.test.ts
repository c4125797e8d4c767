/** The rotate-encryption-key command: it re-encrypts every stored secret under the new key, and fails naming a missing key. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { keyIdOf } from '../src/core/secret-box';
import { useDatabase } from './helpers/fixtures';
import { startApi } from './helpers/stack';

const db = useDatabase('encryption-rotation');

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');

/** `npm run rotate-encryption-key`, as its own process with only the given environment. */
function rotate(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/rotate-encryption-key.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

test('rotate-encryption-key re-encrypts every secret under the new key, after which the old key can go', async () => {
  const before = await startApi(db, { ENCRYPTION_KEY: oldKey });
  const auth = { type: 'bearer', token: 'receiver-token' };
  const secrets: Record<string, string> = {};
  try {
    expect((await before.api('PUT', '/event-types/order.created', {})).status).toBe(201);
    for (const configId of ['a', 'b']) {
      const put = await before.api<{ secret: string }>('PUT', `/webhooks/acme/configs/${configId}`, { url: 'https://hooks.example.com/in', eventNames: ['order.created'], auth });
      expect(put.status).toBe(201);
      secrets[configId] = put.body.secret;
    }
    // An inbound source's secret, rotated: both the current and the previous one are stored.
    for (const secret of ['inbound-old', 'inbound-new']) {
      expect((await before.api('PUT', '/inbound/gh', { provider: 'github', secret, orgId: 'acme', eventNamePrefix: 'github' })).status).toBeLessThan(300);
    }
    // A rotated signing secret leaves the previous one stored too.
    const rotated = await before.api<{ secret: string }>('POST', '/webhooks/acme/configs/b/secret/rotate');
    expect(rotated.status).toBe(200);
    secrets.bPrevious = secrets.b;
    secrets.b = rotated.body.secret;
  } finally {
    await before.stop();
  }
  // A row written before encryption at rest existed holds its secret in the clear.
  const legacy = `whsec_${randomBytes(24).toString('base64')}`;
  await db.pool.query(`INSERT INTO webhook_configs (org_id, config_id, url, event_names, secret) VALUES ('acme', 'legacy', 'https://hooks.example.com/old', '{order.created}', $1)`, [legacy]);

  const first = await rotate({ ENCRYPTION_KEY: newKey, ENCRYPTION_PREVIOUS_KEYS: oldKey });
  expect(first).toEqual({ code: 0, output: expect.stringContaining('re-encrypted the secrets of 3 config(s)') });
  expect(first.output).toContain('re-encrypted the secrets of 1 inbound source(s)');
  const { rows } = await db.pool.query<{ secret: string; previous_secret: string | null; auth: string | null }>('SELECT secret, previous_secret, auth FROM webhook_configs');
  const newId = keyIdOf(Buffer.from(newKey, 'base64'));
  for (const value of rows.flatMap((row) => [row.secret, row.previous_secret, row.auth]).filter((v) => v !== null)) {
    expect(value.startsWith(`enc:v1:${newId}:`)).toBe(true);
  }
  const inbound = await db.pool.query<{ secret: string; previous_secret: string }>('SELECT secret, previous_secret FROM inbound_sources');
  for (const value of [inbound.rows[0].secret, inbound.rows[0].previous_secret]) expect(value.startsWith(`enc:v1:${newId}:`)).toBe(true);

  const again = await rotate({ ENCRYPTION_KEY: newKey });
  expect(again).toEqual({ code: 0, output: expect.stringContaining('re-encrypted the secrets of 0 config(s)') });

  // Only the new key now, and everything still reads.
  const after = await startApi(db, { ENCRYPTION_KEY: newKey });
  try {
    const a = await after.api('GET', '/webhooks/acme/configs/a/secret');
    expect(a.body).toMatchObject({ secret: secrets.a });
    const b = await after.api('GET', '/webhooks/acme/configs/b/secret');
    expect(b.body).toMatchObject({ secret: secrets.b, previousSecret: secrets.bPrevious });
    expect((await after.api('GET', '/webhooks/acme/configs/legacy/secret')).body).toMatchObject({ secret: legacy });
    expect((await after.api('GET', '/webhooks/acme/configs/a')).body).toMatchObject({ auth: { type: 'bearer' } });
    expect((await after.api('GET', '/inbound/gh')).body.previousSecretExpiresAt).not.toBeNull();
  } finally {
    await after.stop();
  }
});

test('without the key a value was written under, the command fails and names the missing key', async () => {
  const result = await rotate({ ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  expect(result.code).toBe(1);
  expect(result.output).toMatch(/encrypted under key [0-9a-f]{12}, which is not configured/);
  expect(result.output).not.toContain(newKey);
});
