/**
 * Whether a delivery may be attempted, and what the config's admission means, decided without servers.
 */
import { admission, readiness } from '../src/activities/attempt/readiness';
import type { DeliveryContext } from '../src/db/deliveries';
import { FailureType } from '../src/shared/temporal';

const ctx = {
  delivery_id: 'd-1',
  status: 'retrying',
  attempt_count: 2,
  last_status_code: 503,
  config_id: 'main',
  url: 'https://hooks.example.com/in',
  secret: 'sealed',
  enabled: true,
  disabled_reason: null,
} as unknown as DeliveryContext;

test('a missing delivery, a deleted config and a disabled one stop the delivery', () => {
  expect(readiness('d-1', undefined)).toEqual({ kind: 'stop', type: FailureType.DELIVERY_NOT_FOUND, message: 'delivery d-1 not found' });
  expect(readiness('d-1', { ...ctx, url: null, secret: null })).toEqual({ kind: 'stop', type: FailureType.CONFIG_DISABLED, message: 'config main was deleted' });
  expect(readiness('d-1', { ...ctx, enabled: false, disabled_reason: 'gone' })).toEqual({
    kind: 'stop',
    type: FailureType.CONFIG_DISABLED,
    message: 'config main is disabled (gone)',
  });
  expect(readiness('d-1', ctx)).toEqual({ kind: 'ready', ctx });
});

test('a delivery already delivered is not sent again: its recorded answer is the result', () => {
  // The answer of an earlier attempt was recorded, but its completion never reached the server.
  expect(readiness('d-1', { ...ctx, status: 'delivered', attempt_count: 3, last_status_code: 204 })).toEqual({ kind: 'delivered', attempt: 3, statusCode: 204 });
});

test('admitted and probe send; the limits and an open circuit hold back; a config deleted meanwhile stops', () => {
  expect(admission('main', 'admitted')).toEqual({ kind: 'send' });
  expect(admission('main', 'probe')).toEqual({ kind: 'send' });
  for (const decision of ['circuit_open', 'concurrency', 'rate_limited'] as const) expect(admission('main', decision)).toEqual({ kind: 'held_back', decision });
  expect(admission('main', 'missing')).toMatchObject({ kind: 'stop', type: FailureType.CONFIG_DISABLED });
});
