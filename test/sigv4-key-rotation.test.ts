/** An aws-sigv4 API key outlives a rotation of ENCRYPTION_KEY: its secret is re-encrypted and it still signs. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { randomBytes } from 'node:crypto';
import { reencryptSecrets } from '../src/db/encryption-rotation';
import { createSecretBox, decodeKey, keyIdOf } from '../src/core/secret-box';
import { useDatabase } from './helpers/fixtures';
import { checkedAgainstDocument } from './helpers/openapi';
import { startApi } from './helpers/stack';

const db = useDatabase('sigv4-key-rotation');

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');

test('an aws-sigv4 key outlives a rotation of ENCRYPTION_KEY: its secret is re-encrypted, and it still signs', async () => {
  // The answer that creates the key is checked against docs/openapi.json.
  const before = checkedAgainstDocument(await startApi(db, { ENCRYPTION_KEY: oldKey }));
  let credentials: { accessKeyId: string; secretAccessKey: string };
  try {
    const created = await before.api<{ accessKeyId: string; secretAccessKey: string }>('POST', '/api-keys', { type: 'aws-sigv4', scopes: ['publish'] });
    expect(created.status).toBe(201);
    credentials = created.body;
  } finally {
    await before.stop();
  }

  const result = await reencryptSecrets(db.pool, createSecretBox(decodeKey(newKey)!, [decodeKey(oldKey)!]));
  expect(result.apiKeysRewritten).toBe(1);
  const { rows } = await db.pool.query<{ secret_sealed: string }>('SELECT secret_sealed FROM api_keys');
  expect(rows[0].secret_sealed.startsWith(`enc:v1:${keyIdOf(decodeKey(newKey)!)}:`)).toBe(true);

  // The old key is gone: the secret decrypts under the new one alone, and the signature verifies.
  const after = await startApi(db, { ENCRYPTION_KEY: newKey });
  try {
    const client = new EventBridgeClient({ endpoint: `${after.baseUrl}/aws/events`, region: 'us-east-1', credentials, maxAttempts: 1 });
    const answer = await client.send(new PutEventsCommand({ Entries: [{ Source: 'com.example', DetailType: 'Nothing Mapped', Detail: '{}' }] }));
    expect(answer.Entries).toEqual([{ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('No event definition') }]);
  } finally {
    await after.stop();
  }
});
