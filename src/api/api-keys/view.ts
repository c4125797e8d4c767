/** Response views of the api-keys resource: a key by its prefix, and the one answer that shows its secret. */
import { z } from 'zod';
import type { ApiKeyRow } from '../../db/api-keys';

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
export const createdBearerKeySchema = apiKeySchema
  .extend({
    type: z.literal('bearer'),
    accessKeyId: z.null(),
    key: z.string().meta({ description: 'The key itself, shown this once', example: 'twk_3f9a1c5e0b7d4a2f8c6e1b9d3a7f5c2e0b8d6a4f1c3e5b7d' }),
  })
  .meta({ id: 'CreatedBearerKey', description: 'A bearer key: send `key` as `Authorization: Bearer …`' });
export const createdSigV4KeySchema = apiKeySchema
  .extend({
    type: z.literal('aws-sigv4'),
    accessKeyId: z.string().meta({ description: 'The access key id; also the key\'s `prefix`', example: 'TWKA3F9A1C5E0B7D4A2F' }),
    secretAccessKey: z.string().meta({ description: 'The secret access key, shown this once', example: 'dGhpcyBpcyBhIHNlY3JldCBhY2Nlc3Mga2V5IG9mIDMw' }),
  })
  .meta({ id: 'CreatedSigV4Key', description: 'An aws-sigv4 key: sign `POST /aws/events` with SigV4 for the service `events`' });
/** The answer that creates a key: the only one that ever shows its secret. */
export const createdApiKeySchema = z.discriminatedUnion('type', [createdBearerKeySchema, createdSigV4KeySchema]).meta({ id: 'CreatedApiKey' });

/** Never the key itself: only its prefix, which is enough to tell keys apart. */
export function apiKeyView(row: ApiKeyRow): z.infer<typeof apiKeySchema> {
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
