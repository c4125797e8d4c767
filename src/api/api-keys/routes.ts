/** Routes of the api-keys resource (admin only, see app.ts): create a key (shown once), list prefixes, revoke. */
import { Router } from 'express';
import type { z } from 'zod';
import type { Config } from '../../config';
import { secretBoxFor } from '../../core/secret-box';
import { generateApiKey, generateSigV4Key } from '../auth';
import { listQuery, parseInput } from '../common/schema';
import { NotFoundError } from '../errors';
import { apiKeyParams, createApiKeyBody, decodeApiKeyCursor } from './schema';
import { apiKeyView, type createdBearerKeySchema, type createdSigV4KeySchema } from './view';
import { type Pool } from '../../db/pool';
import { type ApiKeySecret, insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';

export function apiKeysRouter(deps: { pool: Pool; config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_PREVIOUS_KEYS'> }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);

  router.post('/api-keys', async (req, res) => {
    const body = parseInput(createApiKeyBody, req.body);
    const insert = (key: { keyId: string; prefix: string } & ApiKeySecret) =>
      insertApiKey(deps.pool, { ...key, scopes: [...new Set(body.scopes)], description: body.description ?? null });
    if (body.type === 'aws-sigv4') {
      // SigV4 verification recomputes the signature: the secret is kept, encrypted, and shown this once.
      const generated = generateSigV4Key();
      const secretSealed = box.encrypt(generated.secretAccessKey);
      const row = await insert({ type: 'aws-sigv4', keyId: generated.keyId, prefix: generated.accessKeyId, accessKeyId: generated.accessKeyId, secretSealed });
      const created: z.infer<typeof createdSigV4KeySchema> = { ...apiKeyView(row), type: 'aws-sigv4', accessKeyId: generated.accessKeyId, secretAccessKey: generated.secretAccessKey };
      res.status(201).json(created);
      return;
    }
    const generated = generateApiKey();
    const row = await insert({ type: 'bearer', keyId: generated.keyId, prefix: generated.prefix, hash: generated.hash });
    const created: z.infer<typeof createdBearerKeySchema> = { ...apiKeyView(row), type: 'bearer', accessKeyId: null, key: generated.key };
    res.status(201).json(created);
  });

  router.get('/api-keys', async (req, res) => {
    const { cursor, limit } = parseInput(listQuery, req.query, 'query');
    const page = await listApiKeys(deps.pool, cursor === undefined ? null : decodeApiKeyCursor(cursor), limit);
    res.json({ items: page.items.map(apiKeyView), nextCursor: page.nextCursor });
  });

  router.delete('/api-keys/:keyId', async (req, res) => {
    const { keyId } = parseInput(apiKeyParams, req.params, 'path');
    if (!(await revokeApiKey(deps.pool, keyId))) throw new NotFoundError(`API key ${keyId}`);
    res.status(204).end();
  });

  return router;
}
