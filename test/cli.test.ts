/** The command-line client against a running stack: event types, configs, publishing, deliveries, dead letters, API keys and test sends, and its exit codes. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith, startReceiver } from './helpers/receiver';
import { waitForStatus } from './helpers/scenario';
import { TEST_ADMIN_API_KEY } from './helpers/stack';
import { scaled } from './setup/test-env';

const ROOT = resolve(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

const db = useDatabase('cli');
// Dead letters within a second or two of the first failure.
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '2s' });
const receiver = useReceiver();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `temporal-webhooks …` as its own process, through tsx; the API's URL and key come from the environment unless `env` says otherwise. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      TSX,
      [MAIN, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_WEBHOOKS_URL: stack.baseUrl, TEMPORAL_WEBHOOKS_API_KEY: TEST_ADMIN_API_KEY, ...env } as NodeJS.ProcessEnv,
        timeout: scaled(60_000),
      },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[], env?: Record<string, string | undefined>): Promise<string> {
  const run = await cli(args, env);
  if (run.code !== 0) throw new Error(`temporal-webhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;

test('event types, configs, publish and deliveries, as tables and as JSON', async () => {
  expect(await ok(['event-types', 'put', 'order.created', '--description', 'An order was placed', '--schema', '{"type":"object","required":["orderId"]}'])).toMatch(
    /created event type order\.created/,
  );
  const types = await json<{ items: { eventName: string; schema: unknown }[] }>(['event-types', 'list']);
  expect(types.items).toEqual(expect.arrayContaining([expect.objectContaining({ eventName: 'order.created', schema: { type: 'object', required: ['orderId'] } })]));

  const put = await ok(['configs', 'put', 'acme', 'orders', '--endpoint', receiver.url, '--event', 'order.created', '--header', 'X-Team=payments']);
  expect(put).toMatch(/created config orders/);
  expect(put).toMatch(/signing secret \(shown once\): whsec_/);

  const [list, shown, rotated, disabled] = await Promise.all([
    ok(['configs', 'list', 'acme']),
    json<{ url: string; headers: Record<string, string> }>(['configs', 'show', 'acme', 'orders']),
    ok(['configs', 'rotate-secret', 'acme', 'orders']),
    ok(['configs', 'disable', 'acme', 'orders']),
  ]);
  expect(list).toMatch(/│ orders\s+│ http:\/\/127\.0\.0\.1:\d+\/hook\s+│ order\.created/);
  expect(shown).toMatchObject({ url: receiver.url, headers: { 'X-Team': 'payments' } });
  expect(rotated).toMatch(/new secret\s+│ whsec_/);
  expect(disabled).toMatch(/config orders disabled \(disabled by user\)/);
  expect(await ok(['configs', 'enable', 'acme', 'orders'])).toMatch(/config orders enabled/);

  const published = await json<{ eventId: string; deliveries: { deliveryId: string; configId: string }[] }>([
    'publish',
    'order.created',
    '--org',
    'acme',
    '--data',
    '{"orderId":"o-1"}',
  ]);
  expect(published.deliveries).toEqual([expect.objectContaining({ configId: 'orders' })]);
  const { deliveryId } = published.deliveries[0];
  await waitForStatus(stack, 'acme', deliveryId, 'delivered');
  expect(JSON.parse((await receiver.waitForRequests(1))[0].body)).toMatchObject({ type: 'order.created', data: { orderId: 'o-1' } });

  const [deliveries, delivery] = await Promise.all([ok(['deliveries', 'list', 'acme', '--status', 'delivered']), ok(['deliveries', 'show', 'acme', deliveryId])]);
  expect(deliveries).toContain(deliveryId);
  expect(deliveries).toMatch(/│ delivered\s+│ 1\s+│ 200/);
  // The attempts as a table: number, start, duration, status.
  expect(delivery).toMatch(/│ #\s+│ started\s+│ duration\s+│ status\s+│ error\s+│ response/);
  expect(delivery).toMatch(/│ 1\s+│ \d{4}-\d\d-\d\dT[^│]+│ \d+ ms\s+│ 200\s+│/);
});

test('dead letters are listed and retried in bulk, with a progress bar', async () => {
  // Set up through the API: the commands that do it are tested above.
  await stack.api('PUT', '/event-types/invoice.paid', {});
  await stack.api('PUT', '/webhooks/globex/configs/billing', { url: receiver.url, eventNames: ['invoice.paid'] });
  receiver.respond(respondWith(500));
  const ids: string[] = [];
  for (const n of [1, 2]) {
    const answer = await stack.api<{ deliveries: { deliveryId: string }[] }>('POST', '/events', { eventName: 'invoice.paid', orgId: 'globex', data: { n } });
    ids.push(answer.body.deliveries[0].deliveryId);
  }
  for (const id of ids) await waitForStatus(stack, 'globex', id, 'dead_lettered', 30_000);

  const [listed, table] = await Promise.all([json<{ items: { deliveryId: string }[] }>(['dead-letters', 'list', 'globex']), ok(['dead-letters', 'list', 'globex'])]);
  expect(listed.items.map((d) => d.deliveryId).sort()).toEqual([...ids].sort());
  expect(table).toContain(ids[0]);

  receiver.respond(respondWith(200));
  const retry = await cli(['dead-letters', 'retry', 'globex', '--config', 'billing', '--progress']);
  expect(retry.code).toBe(0);
  expect(retry.stdout).toMatch(/retried 2 of 2/);
  expect(retry.stderr).toMatch(/retrying \[[^\]]*\] 2\/2/);
  for (const id of ids) await waitForStatus(stack, 'globex', id, 'delivered');
});

test('API keys: create, list, revoke; a revoked key exits non-zero with the problem on stderr', async () => {
  const created = await json<{ keyId: string; key: string; prefix: string }>(['keys', 'create', '--scope', 'org:acme', '--description', 'acme dashboard']);
  expect(created.key).toMatch(/^twk_/);
  const [withFlags, keys] = await Promise.all([
    // --url and --key win over the environment.
    ok(['--url', stack.baseUrl, '--key', created.key, 'configs', 'list', 'acme'], { TEMPORAL_WEBHOOKS_URL: 'http://127.0.0.1:9', TEMPORAL_WEBHOOKS_API_KEY: 'twk_wrong' }),
    ok(['keys', 'list']),
  ]);
  expect(withFlags).toContain('orders');
  expect(keys).toContain(created.keyId);
  expect(await ok(['keys', 'revoke', created.keyId])).toMatch(new RegExp(`revoked key ${created.keyId}`));

  const refused = await cli(['configs', 'list', 'acme'], { TEMPORAL_WEBHOOKS_API_KEY: created.key });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/^error: 401 .*API key/m);
});

test('4xx answers exit non-zero with the detail on stderr', async () => {
  const [missing, invalid, forbidden] = await Promise.all([
    cli(['configs', 'show', 'acme', 'no-such-config']),
    cli(['publish', 'order.created', '--org', 'acme', '--data', '{"other":1}']),
    cli(['keys', 'list'], { TEMPORAL_WEBHOOKS_API_KEY: undefined }),
  ]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('error: 404 config no-such-config not found\n');
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/^error: 422 data: .*orderId.* \(field: data\)/m);
  expect(forbidden.code).toBe(1);
  expect(forbidden.stderr).toMatch(/^error: 401 send an API key/m);
});

test('test-send sends one signed test event to a config and shows the attempt, whatever the receiver answered', async () => {
  const own = await startReceiver(respondWith(200, {}, 'ok'));
  try {
    await stack.api('PUT', '/webhooks/initech/configs/hooks', { url: own.url, eventNames: ['*'] });
    type Sent = { deliveryId: string; eventName: string; status: string; attempt: { statusCode: number | null; error: string | null; responseBody: string | null } };
    const [shown, sent, unknown] = await Promise.all([
      ok(['test-send', 'initech', 'hooks']),
      json<Sent>(['test-send', 'initech', 'hooks', '--data', '{"n":1}']),
      cli(['test-send', 'initech', 'no-such-config']),
    ]);
    expect(shown).toMatch(/│ event\s+│ webhook\.test \(/);
    expect(shown).toMatch(/│ status\s+│ delivered/);
    expect(shown).toMatch(/│ 1\s+│ \d{4}-\d\d-\d\dT[^│]+│ \d+ ms\s+│ 200\s+│ -\s+│ ok/);
    expect(sent).toMatchObject({ eventName: 'webhook.test', configId: 'hooks', test: true, status: 'delivered', attempt: { attempt: 1, statusCode: 200, error: null, responseBody: 'ok' } });
    const received = await own.waitForRequests(2);
    expect(received.map((request) => (JSON.parse(request.body) as { data: unknown }).data)).toContainEqual({ n: 1 });
    expect(received.every((request) => typeof request.headers['webhook-signature'] === 'string')).toBe(true);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: 404 config no-such-config not found\n');

    // A receiver that fails: the command still succeeds, and says how the receiver answered.
    own.respond(respondWith(503, {}, 'down'));
    const failed = await json<Sent>(['test-send', 'initech', 'hooks']);
    expect(failed).toMatchObject({ status: 'failed', attempt: { statusCode: 503, error: 'http_status', responseBody: 'down' } });
    // Kept as a test delivery, never retried.
    const kept = await stack.api<{ test: boolean; status: string; workflowId: string | null }>('GET', `/webhooks/initech/deliveries/${failed.deliveryId}`);
    expect(kept.body).toMatchObject({ test: true, status: 'failed', workflowId: null });
  } finally {
    await own.close();
  }
});

test('keys create --type aws-sigv4 shows the access key id and the secret access key once', async () => {
  const [created, shown] = await Promise.all([
    json<Record<string, unknown>>(['keys', 'create', '--type', 'aws-sigv4', '--scope', 'publish']),
    ok(['keys', 'create', '--type', 'aws-sigv4', '--scope', 'org:acme', '--description', 'orders service']),
  ]);
  expect(created).toMatchObject({ type: 'aws-sigv4', accessKeyId: expect.stringMatching(/^TWKA/), secretAccessKey: expect.any(String), scopes: ['publish'] });
  expect(created).not.toHaveProperty('key');
  expect(shown).toMatch(/│ type\s+│ aws-sigv4/);
  expect(shown).toMatch(/^access key id: TWKA\w+$/m);
  expect(shown).toMatch(/^secret access key \(shown once\): \S+$/m);
});
