/**
 * Client and activity interceptors: OpenTelemetry's, which carry the trace from the API's workflow
 * start through the workflow to each activity, and the log fields', which carry `requestId` and the
 * delivery's ids the same way, so an activity's log lines name the request that published its event.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { LOG_FIELDS_HEADER } from '../shared/temporal';
import { currentLogFields, pickLogFields, withLogFields } from './log-context';

/** The request's fields and the ids of the workflow's input (a delivery's input carries all of them). */
function withLogFieldsHeader<T extends { headers: Record<string, unknown>; options: { args: unknown[] } }>(input: T): T {
  const fields = { ...currentLogFields(), ...pickLogFields(input.options.args[0]) };
  if (Object.keys(fields).length === 0) return input;
  return { ...input, headers: { ...input.headers, [LOG_FIELDS_HEADER]: defaultPayloadConverter.toPayload(fields) } };
}

const logFieldsClientInterceptor: WorkflowClientInterceptor = {
  start: (input, next) => next(withLogFieldsHeader(input)),
  startWithDetails: (input, next) => next(withLogFieldsHeader(input)),
  signalWithStart: (input, next) => next(withLogFieldsHeader(input)),
};

/** For every Temporal Client of the service. */
export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor(), logFieldsClientInterceptor] };
}

/** For the delivery worker: a span per activity run, and its log fields in scope while it runs. */
export const activityInterceptors: ActivityInterceptorsFactory[] = [
  (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
  () => ({
    inbound: {
      execute(input, next) {
        const header = input.headers[LOG_FIELDS_HEADER];
        const carried = header ? pickLogFields(defaultPayloadConverter.fromPayload(header)) : {};
        return withLogFields({ ...carried, ...pickLogFields(input.args[0]) }, () => next(input));
      },
    },
  }),
];
