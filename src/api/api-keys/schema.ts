/** Request schemas of the api-keys resource: creating a key, naming one, and the cursor of a list of keys. */
import { z } from 'zod';
import { scopeSchema } from '../auth';
import { ValidationError } from '../errors';

const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|([0-9a-f-]{36})$/;

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

/** The position a cursor of `GET /api-keys` names: the created time and id of the last key of the previous page. */
export function decodeApiKeyCursor(cursor: string): { createdAt: Date; keyId: string } {
  const match = CURSOR.exec(cursor);
  if (!match) throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor from a previous page' }]);
  return { createdAt: new Date(match[1]), keyId: match[2] };
}
