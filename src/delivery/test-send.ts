/**
 * Test sends: one signed POST of a sample event to one config, made at once by the API through the
 * same request building, signing, receiver credentials, destination guard and HTTP client as the
 * attempts of real deliveries. Kept as a delivery marked `test`; never retried, and the config's health
 * (failure counts, circuit, auto-disable) is left as it was.
 */
import { uuidv7 } from '../db/ids';
import { buildRequest, signingSecrets, standardBody } from '../activities/attempt/request';
import { isSuccess } from '../activities/attempt/outcome';
import { DeliveryNetworkError, type HttpClient, type PostResult } from '../core/http';
import { createReceiverAuth, openReceiverAuth } from '../core/receiver-auth';
import { ConfigNotFoundError, EventTypeArchivedError, EventTypeNotRegisteredError, InvalidFieldError } from '../core/errors';
import type { DeliveryContext } from '../db/deliveries';
import type { Pool } from '../db/pool';
import { getConfig } from '../db/configs';
import { getEventType } from '../db/event-types';
import { insertTestSend } from '../db/test-sends';
import type { Logger } from '../logger';
import type { SecretBox } from '../core/secret-box';
import type { Publisher } from './publisher';
import { createTransformCache, TransformEvaluationError } from './transform';

/** The event a test send carries unless another event type is named. */
export const TEST_EVENT = 'webhook.test';

export interface TestSendRequest {
  orgId: string;
  configId: string;
  eventName?: string;
  data?: Record<string, unknown>;
}

/** The attempt of a test send, as a delivery's attempts are shown. */
export interface TestSendAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  /** Error class (timeout, dns, ..., http_status); null when delivered. */
  error: string | null;
  errorMessage: string | null;
  responseBody: string | null;
}

/** The answer of `POST /webhooks/{orgId}/configs/{configId}/test`; the API's view checks its schema against this type. */
export interface TestSendResult {
  deliveryId: string;
  eventId: string;
  eventName: string;
  configId: string;
  test: true;
  status: 'delivered' | 'failed';
  attempt: TestSendAttempt;
}

export interface TestSenderDeps {
  pool: Pool;
  http: HttpClient;
  box: SecretBox;
  publisher: Publisher;
  userAgent: string;
  logger: Logger;
}

export function createTestSender(deps: TestSenderDeps) {
  const receiverAuth = createReceiverAuth({ http: deps.http });
  const transforms = createTransformCache();

  /** The data to send: the caller's, else the first of the event type's JSON Schema `examples`. */
  async function sampleData(eventName: string | undefined, data: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    if (eventName === undefined || eventName === TEST_EVENT) return data ?? { message: 'a test event sent to check this webhook endpoint' };
    if (data !== undefined) {
      await deps.publisher.checkEventData(eventName, data);
      return data;
    }
    const type = await getEventType(deps.pool, eventName);
    if (!type) throw new EventTypeNotRegisteredError(eventName);
    if (type.archived_at) throw new EventTypeArchivedError(eventName);
    if (!type.schema) return {};
    const examples = (type.schema as { examples?: unknown }).examples;
    const example = Array.isArray(examples) ? examples.find((item) => item !== null && typeof item === 'object' && !Array.isArray(item)) : undefined;
    if (!example) throw new InvalidFieldError('data', `event type "${eventName}" has no object in its JSON Schema's examples: send data`);
    await deps.publisher.checkEventData(eventName, example);
    return example as Record<string, unknown>;
  }

  return {
    async send(input: TestSendRequest): Promise<TestSendResult> {
      const row = await getConfig(deps.pool, input.orgId, input.configId);
      if (!row) throw new ConfigNotFoundError(input.configId);
      const eventName = input.eventName ?? TEST_EVENT;
      const data = await sampleData(input.eventName, input.data);
      const eventId = uuidv7();
      const deliveryId = uuidv7();
      const eventCreatedAt = new Date();
      const ctx: DeliveryContext & { url: string; secret: string } = {
        delivery_id: deliveryId,
        status: 'pending',
        attempt_count: 0,
        last_status_code: null,
        window_attempts: 0,
        org_id: row.org_id,
        config_id: row.config_id,
        event_name: eventName,
        event_id: eventId,
        event_created_at: eventCreatedAt,
        data,
        url: row.url,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        headers: row.headers,
        timeout_ms: row.timeout_ms,
        secret: row.secret,
        previous_secret: row.previous_secret,
        auth: row.auth,
        previous_secret_expires_at: row.previous_secret_expires_at,
        envelope: null,
        transform: row.transform,
      };
      const secrets = signingSecrets(ctx, deps.box, Date.now());
      const auth = openReceiverAuth(deps.box, row.auth);
      // The config's payload template shapes the body as it does for a delivery; one that fails is a 422.
      let body: string | undefined;
      if (row.transform !== null) {
        try {
          body = await transforms.apply(row.transform, { ...standardBody(ctx), orgId: ctx.org_id });
        } catch (error) {
          if (error instanceof TransformEvaluationError) throw new InvalidFieldError('transform', error.message);
          throw error;
        }
      }
      const request = buildRequest(ctx, secrets, deps.userAgent, Date.now(), body);

      const startedAt = new Date();
      let result: PostResult | undefined;
      let failure: DeliveryNetworkError | undefined;
      try {
        result = await receiverAuth.post({ ...request, auth });
      } catch (error) {
        if (!(error instanceof DeliveryNetworkError)) throw error;
        failure = error;
      }
      const durationMs = Date.now() - startedAt.getTime();
      const statusCode = result?.statusCode ?? null;
      const delivered = isSuccess(statusCode);
      const errorClass = delivered ? null : (failure?.errorClass ?? 'http_status');
      const errorMessage = delivered ? null : (failure?.message ?? `HTTP ${statusCode}`);
      const responseBody = result?.body ?? null;
      await insertTestSend(deps.pool, {
        eventId,
        deliveryId,
        orgId: row.org_id,
        configId: row.config_id,
        eventName,
        data,
        startedAt,
        durationMs,
        statusCode,
        errorClass,
        error: errorMessage,
        responseBody,
        delivered,
      });
      deps.logger.info(
        { orgId: row.org_id, configId: row.config_id, eventId, deliveryId, eventName, statusCode, errorClass, durationMs },
        'test send',
      );
      return {
        deliveryId,
        eventId,
        eventName,
        configId: row.config_id,
        test: true,
        status: delivered ? 'delivered' : 'failed',
        attempt: { attempt: 1, startedAt: startedAt.toISOString(), durationMs, statusCode, error: errorClass, errorMessage, responseBody },
      };
    },
  };
}

export type TestSender = ReturnType<typeof createTestSender>;
