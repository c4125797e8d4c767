/** Routes of the configs resource: write, read, delete, the signing secret and its rotation, and test sends. */
import { Router } from 'express';
import { destinationGuardFor } from '../../core/destinations';
import type { Config } from '../../config';
import { createConfigService } from '../../delivery/configs';
import type { Publisher } from '../../delivery/publisher';
import type { RetryPolicyInput } from '../../shared/retry-policy';
import type { Transform } from '../../shared/transform';
import type { TestSender } from '../../delivery/test-send';
import { importJwtKey, JwtKeyError } from '../../core/jwt-auth';
import { openReceiverAuth, type ReceiverAuth } from '../../core/receiver-auth';
import { secretBoxFor } from '../../core/secret-box';
import { listQuery, orgParams, parseInput } from '../common/schema';
import { NotFoundError, ValidationError } from '../errors';
import {
  assertTransformCompiles,
  configParams,
  patchConfigBody,
  putConfigBody,
  retryPolicyErrors,
  testSendBody,
} from './schema';
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
  const guard = destinationGuardFor(deps.config);
  const view = (row: WebhookConfigRow, secret?: string) => configView(row, { auth: openReceiverAuth(box, row.auth), secret });
  /** Literal internal addresses are refused when stored; names are checked again on every connect. */
  const assertDestination = (url: string | undefined, field = 'url'): void => {
    const reason = url === undefined ? undefined : guard.checkUrl(url);
    if (reason) throw new ValidationError([{ field, message: reason }]);
  };
  /** The OAuth token endpoint is fetched by the worker too: the same rules apply to it. */
  const assertAuthDestination = (auth: ReceiverAuth | null | undefined): void => {
    if (auth?.type === 'oauth2') assertDestination(auth.tokenUrl, 'auth.tokenUrl');
  };
  const retryBounds = {
    minIntervalMs: deps.config.RETRY_POLICY_MIN_INTERVAL,
    maxWindowMs: deps.config.RETRY_POLICY_MAX_WINDOW,
    maxAttempts: deps.config.RETRY_POLICY_MAX_ATTEMPTS,
  };
  const assertRetryPolicy = (policy: RetryPolicyInput | null | undefined): void => {
    const errors = policy ? retryPolicyErrors(policy, retryBounds) : [];
    if (errors.length > 0) throw new ValidationError(errors);
  };
  /** A JWT key that cannot sign with its algorithm is refused when stored, not at the first delivery. */
  const assertJwtKey = async (auth: ReceiverAuth | null | undefined): Promise<void> => {
    if (auth?.type !== 'jwt') return;
    try {
      await importJwtKey(auth);
    } catch (error) {
      if (error instanceof JwtKeyError) throw new ValidationError([{ field: 'auth.key', message: error.message }]);
      throw error;
    }
  };
  /** Every check a config's written fields must pass, in a write or a patch alike. */
  const assertConfigInput = async (input: { url?: string; auth?: ReceiverAuth | null; transform?: Transform | null; retry?: RetryPolicyInput | null }): Promise<void> => {
    assertDestination(input.url);
    assertAuthDestination(input.auth);
    await assertJwtKey(input.auth);
    assertTransformCompiles(input.transform);
    assertRetryPolicy(input.retry);
  };
  const service = createConfigService({ pool: deps.pool, publisher: deps.publisher, box, secretRotationOverlapMs: deps.config.SECRET_ROTATION_OVERLAP });

  router.put('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const body = parseInput(putConfigBody, req.body);
    await assertConfigInput(body);
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
    await assertConfigInput(patch);
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
