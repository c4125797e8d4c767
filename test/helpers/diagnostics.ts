/**
 * What a failed wait prints, so that a failure can be understood without running it again: the delivery
 * as the API shows it (row and attempts) and the last events of its workflow's history.
 */
import { temporal } from '@temporalio/proto';
import type { ApiStack } from './stack';

const LAST_EVENTS = 20;

const eventTypeName = (type: number | null | undefined): string =>
  (temporal.api.enums.v1.EventType[type ?? 0] ?? String(type)).replace(/^EVENT_TYPE_/, '');

/** The activity type a local activity's marker records, if the event is one. */
export function localActivityOf(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; activityType?: string };
  return parsed.activity_type ?? parsed.activityType;
}

/** Names of the activities a history ran, in order: scheduled ones and local ones alike. */
export function activityNames(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityOf(e) ?? []);
}

/** One line per history event: id, type, time, and the failure or signal it carries. */
function describeEvent(event: temporal.api.history.v1.IHistoryEvent): string {
  const seconds = Number(event.eventTime?.seconds ?? 0);
  const time = new Date(seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
  const failure =
    event.activityTaskFailedEventAttributes?.failure?.message ??
    event.workflowExecutionFailedEventAttributes?.failure?.message ??
    event.workflowTaskFailedEventAttributes?.failure?.message ??
    event.activityTaskTimedOutEventAttributes?.failure?.message;
  const local = localActivityOf(event);
  const activity = event.activityTaskScheduledEventAttributes?.activityType?.name ?? (local && `${local} (local)`);
  const signal = event.workflowExecutionSignaledEventAttributes?.signalName;
  const detail = [activity && `activity=${activity}`, signal && `signal=${signal}`, failure && `failure=${failure}`].filter(Boolean).join(' ');
  return `  #${event.eventId} ${time} ${eventTypeName(event.eventType)}${detail ? ` ${detail}` : ''}`;
}

/** The delivery's row, its attempts and its workflow's last events, as text. */
export async function describeDelivery(stack: Pick<ApiStack, 'api' | 'client'>, orgId: string, deliveryId: string): Promise<string> {
  const lines: string[] = [];
  const answer = await stack.api('GET', `/webhooks/${orgId}/deliveries/${deliveryId}`);
  lines.push(`delivery ${deliveryId} (HTTP ${answer.status}): ${JSON.stringify(answer.body)}`);
  const workflowId = (answer.body as { workflowId?: string } | null)?.workflowId ?? `delivery-${deliveryId}`;
  try {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    lines.push(`workflow ${workflowId}: ${events.length} events, the last ${Math.min(events.length, LAST_EVENTS)}:`);
    lines.push(...events.slice(-LAST_EVENTS).map(describeEvent));
  } catch (error) {
    lines.push(`workflow ${workflowId}: no history (${String(error)})`);
  }
  return lines.join('\n');
}
