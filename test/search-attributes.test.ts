/** The worker's registration of its search attributes: missing ones are added once as keywords, and one of another type is refused. */
import { Connection } from '@temporalio/client';
import Long from 'long';
import { randomBytes } from 'node:crypto';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/temporal';
import { ensureSearchAttributes } from '../src/worker/search-attributes';
import { testEnv, scaled } from './setup/test-env';

let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: testEnv('temporalAddress') });
});
afterAll(async () => {
  await connection.close();
});

/** A namespace of this test's own, so the registration starts from nothing. */
async function freshNamespace(): Promise<string> {
  const namespace = `sa-${randomBytes(4).toString('hex')}`;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  return namespace;
}

/** A new namespace reaches every service of the server after a short cache refresh. */
async function eventually<T>(work: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

test('the worker registers missing search attributes once, as keywords, and a second run adds nothing', async () => {
  const namespace = await freshNamespace();
  const added = await eventually(() => ensureSearchAttributes(connection, namespace));
  expect(added.sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((key) => key.name).sort());

  const { customAttributes } = await eventually(async () => {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    if (!ALL_SEARCH_ATTRIBUTES.every((key) => listed.customAttributes?.[key.name] !== undefined)) throw new Error('not yet visible');
    return listed;
  });
  for (const key of ALL_SEARCH_ATTRIBUTES) expect(customAttributes?.[key.name]).toBe(2 /* INDEXED_VALUE_TYPE_KEYWORD */);

  await expect(ensureSearchAttributes(connection, namespace)).resolves.toEqual([]);
}, scaled(60_000));

test('an attribute of the same name but another type is refused by name', async () => {
  const namespace = await freshNamespace();
  const [first] = ALL_SEARCH_ATTRIBUTES;
  await eventually(() => connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [first!.name]: 3 /* INT */ } }));
  await eventually(async () => {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    if (listed.customAttributes?.[first!.name] === undefined) throw new Error('not yet visible');
  });
  await expect(ensureSearchAttributes(connection, namespace)).rejects.toMatchObject({ name: 'SearchAttributeConflictError', message: expect.stringContaining(first!.name) });
}, scaled(60_000));
