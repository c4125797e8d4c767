import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createTransformCache, TransformEvaluationError } from '../../delivery/transform';
import { ValidationError } from '../errors';
import { parseInput, transformTestBody } from '../validation';
import { assertTransformCompiles } from './configs';

/** The answer of `POST /transforms/test`. */
export const transformResultSchema = z
  .strictObject({
    body: z.unknown().meta({ description: 'The JSON body a config with this transform would send', example: { text: 'Order o-1 was placed' } }),
    bytes: z.number().int().meta({ description: 'Its size as sent, in bytes', example: 31 }),
  })
  .meta({ id: 'TransformResult' });

/** `POST /transforms/test`: the body a config's transform would send for an event, before the config is saved. */
export function transformsRouter(): Router {
  const router = Router();
  const transforms = createTransformCache(100);

  router.post('/transforms/test', async (req, res) => {
    const { transform, event } = parseInput(transformTestBody, req.body);
    assertTransformCompiles(transform);
    const input = {
      type: event.type,
      eventId: event.eventId ?? randomUUID(),
      timestamp: event.timestamp ? new Date(event.timestamp).toISOString() : new Date().toISOString(),
      data: event.data,
      orgId: event.orgId ?? 'org',
    };
    let body: string;
    try {
      body = await transforms.apply(transform, input);
    } catch (error) {
      if (error instanceof TransformEvaluationError) throw new ValidationError([{ field: 'transform', message: error.message }]);
      throw error;
    }
    const result: z.infer<typeof transformResultSchema> = { body: JSON.parse(body) as unknown, bytes: Buffer.byteLength(body) };
    res.json(result);
  });

  return router;
}
