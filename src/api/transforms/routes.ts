/** Route of `POST /transforms/test`: the body a config's transform would send for an event. */
import { Router } from 'express';
import type { z } from 'zod';
import { createTransformTester } from '../../delivery/transform-test';
import { parseInput } from '../common/schema';
import { assertTransformCompiles } from '../../delivery/config-checks';
import { transformTestBody } from './schema';
import type { transformResultSchema } from './view';

/** `POST /transforms/test`: the body a config's transform would send for an event, before the config is saved. */
export function transformsRouter(): Router {
  const router = Router();
  const tester = createTransformTester({ cacheSize: 100 });

  router.post('/transforms/test', async (req, res) => {
    const { transform, event } = parseInput(transformTestBody, req.body);
    assertTransformCompiles(transform);
    const result: z.infer<typeof transformResultSchema> = await tester.test(transform, event);
    res.json(result);
  });

  return router;
}
