/**
 * The one place where names crossing between the API, the worker and the workflows are defined:
 * signals, queries, search attributes, failure types and the workflow's input. Imported by workflow code,
 * so it must stay free of Node built-ins. It loads the workflow SDK (signals and queries): the defaults and
 * types the configuration needs live in ./settings instead.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RetrySettings } from './settings';

export const DELIVERY_WORKFLOW_TYPE = 'deliveryWorkflow';
export const RECONCILE_WORKFLOW_TYPE = 'reconcileWorkflow';
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';

/** Schedules are per task queue, so deployments (and tests) sharing a namespace keep their own. */
export const reconcileScheduleId = (taskQueue: string): string => `webhooks-reconcile-${taskQueue}`;
export const retentionScheduleId = (taskQueue: string): string => `webhooks-retention-${taskQueue}`;

/** The event the service publishes when it disables a failing config. */
export const CONFIG_DISABLED_EVENT = 'webhook.config.disabled';

/**
 * Temporal header carrying the log fields (requestId and the delivery's ids) from the API that starts a
 * workflow, through the workflow, to each of its activities. Ids only, never a payload or a secret.
 */
export const LOG_FIELDS_HEADER = 'webhook-log-fields';

export const deliveryWorkflowId = (deliveryId: string): string => `delivery-${deliveryId}`;

/** The server refuses a fairness key longer than this (in bytes), failing the workflow task that sets it. */
export const FAIRNESS_KEY_MAX_BYTES = 64;

/**
 * The fairness key of a config's deliveries on the task queue (their workflows and attempts): with fairness
 * on, the server dispatches the backlog of each key in turn, so one endpoint's thousands of queued attempts
 * do not make the others wait behind them. Config ids are unique per org only, so the key names both: `{orgId}/{configId}`.
 * A key over 64 bytes (ids may be 128 characters each) keeps its first 55 characters and appends a hash of
 * the whole, so it stays distinct; a collision would only make two configs share their turns.
 */
export function deliveryFairnessKey(orgId: string, configId: string): string {
  const key = `${orgId}/${configId}`;
  if (key.length <= FAIRNESS_KEY_MAX_BYTES && /^[\x20-\x7e]*$/.test(key)) return key;
  // FNV-1a over the UTF-16 code units: deterministic and free of Node built-ins (workflow code calls it).
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  const prefix = key.replace(/[^\x20-\x7e]/g, '_').slice(0, FAIRNESS_KEY_MAX_BYTES - 9);
  return `${prefix}~${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/** `failed` is taken by test sends only (migrations/010_test_sends.sql): a delivery workflow never sets it. */
export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'dead_lettered', 'expired', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const searchAttributes = {
  orgId: defineSearchAttributeKey('WebhookOrgId', SearchAttributeType.KEYWORD),
  eventName: defineSearchAttributeKey('WebhookEventName', SearchAttributeType.KEYWORD),
  configId: defineSearchAttributeKey('WebhookConfigId', SearchAttributeType.KEYWORD),
  deliveryStatus: defineSearchAttributeKey('WebhookDeliveryStatus', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(searchAttributes);

/** Claim check: the workflow carries ids only; payloads and secrets stay in Postgres. */
export interface DeliveryWorkflowInput {
  deliveryId: string;
  eventId: string;
  orgId: string;
  configId: string;
  eventName: string;
  retry: RetrySettings;
  deadLetterRetentionMs: number;
  /** Set only by a run that continued as new: the new run resumes in this window, with a forced attempt. */
  resume?: DeliveryResume;
  /**
   * The first attempt runs as a local activity inside the first workflow task, in the worker that runs it;
   * later attempts are regular activities with the server's retry policy. Absent in runs started before
   * the option existed.
   */
  firstAttemptLocal?: boolean;
}

/** What a delivery workflow carries into its next run when it continues as new. */
export interface DeliveryResume {
  windowEndsAt: number;
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
}

export interface RetryRequest {
  /** Free text recorded in history: who asked, and why. */
  reason?: string;
}

/**
 * Was sent by the delivery activity after each failed attempt. No longer sent (it grew the history by
 * every attempt); the workflow still handles it so that histories which contain it replay.
 */
export interface AttemptReport {
  attempt: number;
  statusCode: number | null;
  errorClass: string;
  error: string;
  nextAttemptAt: string | null;
}

export interface DeliveryStatusView {
  state: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatusCode: number | null;
  windowEndsAt: string | null;
  deadLetterExpiresAt: string | null;
}

export const retrySignal = defineSignal<[RetryRequest?]>('retry');
export const attemptReportSignal = defineSignal<[AttemptReport]>('attemptReport');
export const statusQuery = defineQuery<DeliveryStatusView>('status');

/** `type` strings of ApplicationFailures raised by activities. */
export const FailureType = {
  HTTP_STATUS: 'HttpStatusError',
  NETWORK: 'NetworkError',
  GONE: 'EndpointGone',
  CONFIG_DISABLED: 'ConfigDisabled',
  DELIVERY_NOT_FOUND: 'DeliveryNotFound',
  DESTINATION_BLOCKED: 'DestinationBlocked',
  /** Held back by the config's circuit breaker, concurrency cap or rate limit: waits, sends nothing. */
  THROTTLED: 'Throttled',
  /** The next attempt would start after the retry window ends: the delivery becomes a dead letter. */
  WINDOW_SPENT: 'WindowSpent',
  /** The attempt could not be made (Postgres unreachable, a secret under a missing key): retried. */
  ATTEMPT_ERROR: 'AttemptError',
  /** The config's payload template failed for this event: nothing is sent, the delivery is dead-lettered. */
  TRANSFORM_FAILED: 'TransformFailed',
} as const;

export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  FailureType.GONE,
  FailureType.CONFIG_DISABLED,
  FailureType.DELIVERY_NOT_FOUND,
  FailureType.DESTINATION_BLOCKED,
  FailureType.WINDOW_SPENT,
];

/**
 * What one reconciler run did: deliveries found without a workflow and how many it started; deliveries in
 * flight whose workflow it checked, and how many of those it dead-lettered because that workflow had ended.
 * `failed` counts starts and checks that Temporal did not answer.
 */
export interface ReconcileResult {
  found: number;
  started: number;
  failed: number;
  checked: number;
  deadLettered: number;
}

/** Rows one retention run removed, by kind, and the day partitions it created and retired. */
export interface RetentionResult {
  deadLetters: number;
  events: number;
  deliveries: number;
  attempts: number;
  keysAndLeases: number;
  /** Partition tables created ahead (three per day). */
  partitionsCreated: number;
  /** UTC days (YYYY-MM-DD) whose partitions were dropped. */
  daysRetired: string[];
  /** Deliveries still open when their day was retired, moved to the default partition. */
  keptDeliveries: number;
}
