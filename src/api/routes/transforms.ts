import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { createTransformCache, TransformEvaluationError } from '../../delivery/transform';
import { ValidationError } from '../errors';
import { parseInput, transformTestBody } from '../validation';
import { assertTransformCompiles } from './configs';

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
    res.json({ body: JSON.parse(body) as unknown, bytes: Buffer.byteLength(body) });
  });

  return router;
}
