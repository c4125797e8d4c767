/**
 * Workflow interceptors (bundled with the workflows, see src/worker/workflow-interceptors.ts): the log
 * fields header a workflow was started with goes on to every activity it schedules and to the run it
 * continues as. Headers are not part of the command sequence: histories replay unchanged.
 */
import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { LOG_FIELDS_HEADER } from '../shared/temporal';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let carried: Payload | undefined;
  const withCarried = <T extends { headers: Record<string, Payload> }>(input: T): T =>
    carried && !input.headers[LOG_FIELDS_HEADER] ? { ...input, headers: { ...input.headers, [LOG_FIELDS_HEADER]: carried } } : input;
  return {
    inbound: [
      {
        execute(input, next) {
          carried = input.headers[LOG_FIELDS_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withCarried(input)),
        scheduleLocalActivity: (input, next) => next(withCarried(input)),
        continueAsNew: (input, next) => next(withCarried(input)),
      },
    ],
  };
};
