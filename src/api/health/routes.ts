/** Routes of the health checks: liveness and readiness. */
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Pool } from '../../db/pool';

const CHECK_TIMEOUT_MS = 3_000;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: the process is up. `/readyz`: Postgres and Temporal both answer. */
export function healthRouter(deps: { pool: Pool; temporal: Client }): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.allSettled([
      within(CHECK_TIMEOUT_MS, deps.pool.query('SELECT 1')),
      within(CHECK_TIMEOUT_MS, deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : `unavailable: ${(postgres.reason as Error).message}`,
      temporal: temporal.status === 'fulfilled' ? 'ok' : `unavailable: ${(temporal.reason as Error).message}`,
    };
    const failed = Object.entries(checks).filter(([, value]) => value !== 'ok').map(([name]) => name);
    if (failed.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    res.status(503).type('application/problem+json').json({
      type: 'urn:temporal-webhooks:problem:dependency-unavailable',
      title: 'Service unavailable',
      status: 503,
      detail: `not ready: ${failed.join(' and ')} unavailable`,
      dependencies: failed,
      checks,
      requestId: res.locals.requestId,
    });
  });

  return router;
}
