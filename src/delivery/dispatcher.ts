/** Starts delivery workflows in Temporal, with their ids, search attributes and retry settings. */
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { type Config, retrySettings } from '../config';
import { applyRetryOverride, type RetryOverride } from '../shared/retry-policy';
import type { deliveryWorkflow } from '../workflows/delivery';
import {
  DELIVERY_WORKFLOW_TYPE,
  deliveryFairnessKey,
  deliveryWorkflowId,
  type DeliveryWorkflowInput,
  retrySignal,
  type RetryRequest,
  searchAttributes,
} from '../shared/temporal';

export interface DeliveryRef {
  deliveryId: string;
  eventId: string;
  orgId: string;
  configId: string;
  eventName: string;
  workflowId: string;
  /** The config's own retry policy, when it has one, as it was when the delivery was written. */
  retryPolicy?: RetryOverride | null;
}

/** The ref of a deliveries row. */
export const deliveryRefOf = (row: {
  delivery_id: string;
  event_id: string;
  org_id: string;
  config_id: string;
  event_name: string;
  /** Null only for a test send, which has no workflow and is never started or retried. */
  workflow_id: string | null;
  retry_policy?: RetryOverride | null;
}): DeliveryRef => ({
  deliveryId: row.delivery_id,
  eventId: row.event_id,
  orgId: row.org_id,
  configId: row.config_id,
  eventName: row.event_name,
  workflowId: row.workflow_id ?? deliveryWorkflowId(row.delivery_id),
  retryPolicy: row.retry_policy ?? null,
});

/** A start that did not happen: the delivery, and what Temporal (or the client) answered. */
export interface FailedStart {
  ref: DeliveryRef;
  error: unknown;
}

/**
 * Where the latest run of a delivery's workflow stands. `abnormal`: it was terminated, timed out, failed
 * or was cancelled, so nothing will ever finish the delivery; `reason` says which, for its dead letter.
 */
export type RunState = { kind: 'running' | 'completed' | 'missing' } | { kind: 'abnormal'; reason: string };

export type DispatcherConfig = Pick<
  Config,
  | 'TEMPORAL_TASK_QUEUE'
  | 'DELIVERY_RETRY_INITIAL_INTERVAL'
  | 'DELIVERY_RETRY_BACKOFF'
  | 'DELIVERY_RETRY_MAX_INTERVAL'
  | 'DELIVERY_RETRY_WINDOW'
  | 'DEAD_LETTER_RETENTION'
  | 'DELIVERY_FIRST_ATTEMPT_LOCAL'
  | 'TEMPORAL_EAGER_START'
>;

/** A request never waits longer than this on Temporal: past it the delivery stays pending (or the API answers 503). */
export const TEMPORAL_CALL_DEADLINE_MS = 3_000;

/**
 * Starts and signals delivery workflows; the only code that knows their start options.
 * `sharesWorkerConnection`: the client runs on the NativeConnection of a delivery worker in this process,
 * so a start may ask for eager execution (TEMPORAL_EAGER_START): the server hands the first workflow
 * task back in its answer, and the worker runs it without a trip through matching.
 */
export function createDeliveryDispatcher(deps: { temporal: Client; config: DispatcherConfig; deadlineMs?: number; sharesWorkerConnection?: boolean }) {
  const { temporal, config } = deps;
  const requestEagerStart = config.TEMPORAL_EAGER_START && deps.sharesWorkerConnection === true;
  const deadlineMs = deps.deadlineMs ?? TEMPORAL_CALL_DEADLINE_MS;
  const withDeadline = <T>(call: () => Promise<T>): Promise<T> => temporal.withDeadline(Date.now() + deadlineMs, call);

  const startOptions = (ref: DeliveryRef) => {
    const input: DeliveryWorkflowInput = {
      deliveryId: ref.deliveryId,
      eventId: ref.eventId,
      orgId: ref.orgId,
      configId: ref.configId,
      eventName: ref.eventName,
      // The policy travels in the start arguments: the workflow keeps it, whatever the config says later.
      retry: applyRetryOverride(retrySettings(config as Config), ref.retryPolicy),
      deadLetterRetentionMs: config.DEAD_LETTER_RETENTION,
      ...(config.DELIVERY_FIRST_ATTEMPT_LOCAL ? { firstAttemptLocal: true } : {}),
    };
    return {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: ref.workflowId,
      args: [input] satisfies Parameters<typeof deliveryWorkflow>,
      // A repeated start of a running or finished delivery is harmless: it starts nothing.
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      // The config's fairness key for the workflow's tasks too: on a server with task queue fairness, one
      // config's burst of new deliveries does not hold up the first workflow tasks of the others (a task
      // handed back by an eager start never queues). Its attempts carry the same key (src/workflows/delivery.ts).
      priority: { fairnessKey: deliveryFairnessKey(ref.orgId, ref.configId) },
      typedSearchAttributes: [
        { key: searchAttributes.orgId, value: ref.orgId },
        { key: searchAttributes.eventName, value: ref.eventName },
        { key: searchAttributes.configId, value: ref.configId },
        { key: searchAttributes.deliveryStatus, value: 'pending' },
      ],
    };
  };

  return {
    /** Starts one workflow per delivery, concurrently. Resolves with the ids that have a workflow. */
    async start(refs: readonly DeliveryRef[]): Promise<{ started: string[]; failed: FailedStart[] }> {
      const results = await Promise.allSettled(
        refs.map(async (ref) => {
          try {
            await withDeadline(() =>
              temporal.workflow.start<typeof deliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, { ...startOptions(ref), ...(requestEagerStart ? { requestEagerStart } : {}) }),
            );
          } catch (error) {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
          return ref.deliveryId;
        }),
      );
      const started: string[] = [];
      const failed: FailedStart[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') started.push(result.value);
        else failed.push({ ref: refs[i], error: result.reason });
      });
      return { started, failed };
    },

    /**
     * Sends `retry` to the delivery's workflow, starting it first if it never started. A run that ended
     * abnormally (terminated, timed out, failed, cancelled) left its delivery unfinished: a new run of the
     * same workflow id starts and delivers it. A run that completed (delivered or expired) is never started
     * again: that throws WorkflowExecutionAlreadyStartedError.
     */
    async retry(ref: DeliveryRef, request: RetryRequest): Promise<void> {
      const { workflowIdConflictPolicy: _alwaysExisting, ...options } = startOptions(ref);
      await withDeadline(() =>
        temporal.workflow.signalWithStart<typeof deliveryWorkflow, [RetryRequest?]>(DELIVERY_WORKFLOW_TYPE, {
          ...options,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          signal: retrySignal,
          signalArgs: [request],
        }),
      );
    },

    /** Asks Temporal where the latest run of a delivery's workflow stands: one describe, plus its close event when it ended abnormally. */
    async inspect(workflowId: string): Promise<RunState> {
      let description;
      try {
        description = await withDeadline(() => temporal.workflow.getHandle(workflowId).describe());
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { kind: 'missing' };
        throw error;
      }
      const status = description.status.name;
      if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') return { kind: 'completed' };
      if (status !== 'TERMINATED' && status !== 'TIMED_OUT' && status !== 'FAILED' && status !== 'CANCELLED') return { kind: 'running' };
      const { history } = await withDeadline(() =>
        temporal.workflowService.getWorkflowExecutionHistory({
          namespace: temporal.options.namespace,
          execution: { workflowId, runId: description.runId },
          historyEventFilterType: proto.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        }),
      );
      const closed = history?.events?.at(-1);
      const detail =
        closed?.workflowExecutionTerminatedEventAttributes?.reason ||
        closed?.workflowExecutionFailedEventAttributes?.failure?.message ||
        null;
      const what = { TERMINATED: 'terminated', TIMED_OUT: 'timed out', FAILED: 'failed', CANCELLED: 'cancelled' }[status];
      return { kind: 'abnormal', reason: detail ? `workflow ${what}: ${detail}` : `workflow ${what}` };
    },
  };
}

export type DeliveryDispatcher = ReturnType<typeof createDeliveryDispatcher>;
