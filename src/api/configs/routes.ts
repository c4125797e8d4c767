/** Routes of the configs resource: write, read, delete, the signing secret and its rotation, and test sends. */
import { Router } from 'express';
import type { Config } from '../../config';
import { createConfigChecks } from '../../delivery/config-checks';
import { createConfigService } from '../../delivery/configs';
import type { Publisher } from '../../delivery/publisher';
import type { TestSender } from '../../delivery/test-send';
import { openReceiverAuth } from '../../core/receiver-auth';
import { secretBoxFor } from '../../core/secret-box';
import { listQuery, orgParams, parseInput } from '../common/schema';
import { NotFoundError } from '../errors';
import { configParams, patchConfigBody, putConfigBody, testSendBody } from './schema';
import { configView, type TestSendView } from './view';
import { deleteConfig, getConfig, listConfigs, type WebhookConfigRow } from '../../db/configs';
import { type Pool } from '../../db/pool';

type ConfigsConfig = Pick<
  Config,
  | 'SECRET_ROTATION_OVERLAP'
  | 'ALLOWED_PRIVATE_CIDRS'
  | 'REQUIRE_HTTPS'
  | 'ENCRYPTION_KEY'
  | 'ENCRYPTION_PREVIOUS_KEYS'
  | 'RETRY_POLICY_MIN_INTERVAL'
  | 'RETRY_POLICY_MAX_WINDOW'
  | 'RETRY_POLICY_MAX_ATTEMPTS'
>;

export function configsRouter(deps: { pool: Pool; publisher: Publisher; testSender: TestSender; config: ConfigsConfig }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);
  const view = (row: WebhookConfigRow, secret?: string) => configView(row, { auth: openReceiverAuth(box, row.auth), secret });
  const service = createConfigService({
    pool: deps.pool,
    publisher: deps.publisher,
    box,
    checks: createConfigChecks({ config: deps.config }),
    secretRotationOverlapMs: deps.config.SECRET_ROTATION_OVERLAP,
  });

  router.put('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const body = parseInput(putConfigBody, req.body);
    const { secret, retry, ...input } = body;
    const { created, config, secret: shown } = await service.put(
      orgId,
      configId,
      { ...input, description: input.description ?? null, headers: input.headers ?? {}, retryPolicy: retry },
      secret,
    );
    res.status(created ? 201 : 200).json(view(config, shown));
  });

  router.get('/webhooks/:orgId/configs', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { cursor, limit } = parseInput(listQuery, req.query, 'query');
    const page = await listConfigs(deps.pool, orgId, cursor ?? null, limit);
    res.json({ items: page.items.map((row) => view(row)), nextCursor: page.nextCursor });
  });

  router.get('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const row = await getConfig(deps.pool, orgId, configId);
    if (!row) throw new NotFoundError(`config ${configId}`);
    res.json(view(row));
  });

  router.get('/webhooks/:orgId/configs/:configId/secret', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    res.json(await service.secrets(orgId, configId));
  });

  router.patch('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const patch = parseInput(patchConfigBody, req.body);
    const { retry, ...changes } = patch;
    res.json(view(await service.patch(orgId, configId, { ...changes, retryPolicy: retry })));
  });

  router.delete('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    if (!(await deleteConfig(deps.pool, orgId, configId))) throw new NotFoundError(`config ${configId}`);
    res.status(204).end();
  });

  router.post('/webhooks/:orgId/configs/:configId/secret/rotate', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    res.json(await service.rotateSecret(orgId, configId));
  });

  /** One signed POST now, through the delivery path; answers what the receiver answered, whatever it was. */
  router.post('/webhooks/:orgId/configs/:configId/test', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const body = parseInput(testSendBody, req.body ?? {});
    const answer: TestSendView = await deps.testSender.send({ orgId, configId, ...body });
    res.json(answer);
  });

  return router;
}
