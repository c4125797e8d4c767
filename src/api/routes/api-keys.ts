import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { type ApiKeyRow, insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';
import type { Pool } from '../../db/pool';
import { secretBoxFor } from '../../secrets/encryption';
import { generateApiKey, generateSigV4Key, scopeSchema } from '../auth';
import { NotFoundError, ValidationError } from '../errors';
import { listQuery, parseInput } from '../validation';

export const createApiKeyBody = z
  .strictObject({
    type: z.enum(['bearer', 'aws-sigv4']).default('bearer'),
    scopes: z.array(scopeSchema).min(1, 'give at least one scope').max(20),
    description: z.string().max(1024).optional(),
  })
  .superRefine((body, ctx) => {
    // A SigV4 key only puts events (POST /aws/events): for any org, or for one.
    if (body.type !== 'aws-sigv4') return;
    body.scopes.forEach((scope, index) => {
      if (scope === 'admin') ctx.addIssue({ code: 'custom', path: ['scopes', index], message: 'an aws-sigv4 key may only publish: "publish" or "org:{orgId}"' });
    });
  });
export const apiKeyParams = z.object({ keyId: z.uuid('expected a UUID') });
const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|([0-9a-f-]{36})$/;

export const apiKeySchema = z.strictObject({
  keyId: z.uuid().meta({ example: '5d0c7f0e-3b1a-4c55-8f8e-2a9d6b1c4e77' }),
  prefix: z.string().meta({ description: 'The first characters of the key, enough to tell keys apart', example: 'twk_3f9a1c…' }),
  type: z.enum(['bearer', 'aws-sigv4']).meta({ example: 'bearer' }),
  accessKeyId: z.string().nullable().meta({ description: 'The access key id of an aws-sigv4 key', example: null }),
  scopes: z.array(z.string()).meta({ example: ['org:acme'] }),
  description: z.string().nullable().meta({ example: 'acme dashboard' }),
  createdAt: z.iso.datetime().meta({ example: '2026-11-25T10:00:00.000Z' }),
  lastUsedAt: z.iso.datetime().nullable().meta({ example: null }),
}).meta({ id: 'ApiKey' });
const createdBearerKeySchema = apiKeySchema
  .extend({
    type: z.literal('bearer'),
    accessKeyId: z.null(),
    key: z.string().meta({ description: 'The key itself, shown this once', example: 'twk_3f9a1c5e0b7d4a2f8c6e1b9d3a7f5c2e0b8d6a4f1c3e5b7d' }),
  })
  .meta({ id: 'CreatedBearerKey', description: 'A bearer key: send `key` as `Authorization: Bearer …`' });
const createdSigV4KeySchema = apiKeySchema
  .extend({
    type: z.literal('aws-sigv4'),
    accessKeyId: z.string().meta({ description: 'The access key id; also the key\'s `prefix`', example: 'TWKA3F9A1C5E0B7D4A2F' }),
    secretAccessKey: z.string().meta({ description: 'The secret access key, shown this once', example: 'dGhpcyBpcyBhIHNlY3JldCBhY2Nlc3Mga2V5IG9mIDMw' }),
  })
  .meta({ id: 'CreatedSigV4Key', description: 'An aws-sigv4 key: sign `POST /aws/events` with SigV4 for the service `events`' });
/** The answer that creates a key: the only one that ever shows its secret. */
export const createdApiKeySchema = z.discriminatedUnion('type', [createdBearerKeySchema, createdSigV4KeySchema]).meta({ id: 'CreatedApiKey' });

/** Never the key itself: only its prefix, which is enough to tell keys apart. */
function apiKeyView(row: ApiKeyRow): z.infer<typeof apiKeySchema> {
  return {
    keyId: row.key_id,
    type: row.key_type,
    prefix: row.key_type === 'aws-sigv4' ? row.prefix : `${row.prefix}…`,
    accessKeyId: row.access_key_id,
    scopes: row.scopes,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

/** Admin-only (see app.ts): create a key (shown once), list prefixes, revoke. */
export function apiKeysRouter(deps: { pool: Pool; config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_PREVIOUS_KEYS'> }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);

  router.post('/api-keys', async (req, res) => {
    const body = parseInput(createApiKeyBody, req.body);
    if (body.type === 'aws-sigv4') {
      // SigV4 verification recomputes the signature: the secret is kept, encrypted, and shown this once.
      const generated = generateSigV4Key();
      const row = await insertApiKey(deps.pool, {
        type: 'aws-sigv4',
        keyId: generated.keyId,
        prefix: generated.accessKeyId,
        accessKeyId: generated.accessKeyId,
        secretSealed: box.encrypt(generated.secretAccessKey),
        scopes: [...new Set(body.scopes)],
        description: body.description ?? null,
      });
      const created: z.infer<typeof createdSigV4KeySchema> = { ...apiKeyView(row), type: 'aws-sigv4', accessKeyId: generated.accessKeyId, secretAccessKey: generated.secretAccessKey };
      res.status(201).json(created);
      return;
    }
    const generated = generateApiKey();
    const row = await insertApiKey(deps.pool, {
      type: 'bearer',
      keyId: generated.keyId,
      prefix: generated.prefix,
      hash: generated.hash,
      scopes: [...new Set(body.scopes)],
      description: body.description ?? null,
    });
    const created: z.infer<typeof createdBearerKeySchema> = { ...apiKeyView(row), type: 'bearer', accessKeyId: null, key: generated.key };
    res.status(201).json(created);
  });

  router.get('/api-keys', async (req, res) => {
    const { cursor, limit } = parseInput(listQuery, req.query, 'query');
    const match = cursor === undefined ? null : CURSOR.exec(cursor);
    if (cursor !== undefined && !match) throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor from a previous page' }]);
    const page = await listApiKeys(deps.pool, match ? { createdAt: new Date(match[1]), keyId: match[2] } : null, limit);
    res.json({ items: page.items.map(apiKeyView), nextCursor: page.nextCursor });
  });

  router.delete('/api-keys/:keyId', async (req, res) => {
    const { keyId } = parseInput(apiKeyParams, req.params, 'path');
    if (!(await revokeApiKey(deps.pool, keyId))) throw new NotFoundError(`API key ${keyId}`);
    res.status(204).end();
  });

  return router;
}
