/** The typed client's examples in the README: short, and run against a stack, the publishing example delivers its event. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { TEST_ADMIN_API_KEY } from './helpers/stack';
import { scaled } from './setup/test-env';

const ROOT = resolve(__dirname, '..');
const CLIENT = join(ROOT, 'clients', 'typescript', 'src', 'index.ts');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The ```ts blocks of a markdown file that use the client. */
function clientExamples(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("from '@temporal-webhooks/client'"));
}

const readmeExample = (): string => {
  const [example] = clientExamples('README.md');
  if (!example) throw new Error('README.md has no example of the client');
  return example;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'client-examples-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the README's publishing example is five lines", () => {
  expect(readmeExample().trim().split('\n').filter((line) => line.trim() !== '')).toHaveLength(5);
});

describe('run against a stack', () => {
  const db = useDatabase('client-readme-examples');
  const stack = useStack(db);
  const receiver = useReceiver();

  test("the README's publishing example publishes, and the event arrives", async () => {
    await stack.api('PUT', '/event-types/order.created', {});
    expect((await stack.api('PUT', '/webhooks/acme/configs/orders', { url: receiver.url, eventNames: ['order.created'] })).status).toBe(201);
    const file = join(dir, 'publish.mts');
    writeFileSync(file, readmeExample().replace("'@temporal-webhooks/client'", JSON.stringify(CLIENT)).replace('http://localhost:3000', stack.baseUrl));
    const { stdout } = await promisify(execFile)(TSX, [file], {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_WEBHOOKS_API_KEY: TEST_ADMIN_API_KEY },
      timeout: scaled(60_000),
    });
    expect(stdout).toMatch(/configId: 'orders'/);
    const [request] = await receiver.waitForRequests(1);
    expect(JSON.parse(request.body)).toMatchObject({ type: 'order.created', data: { orderId: 'o-1' } });
  });
});
