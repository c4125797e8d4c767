/** The request schemas of configs and events on their own, without a server: defaults, refusals and the field each names. */
import type { ZodError } from 'zod';
import { patchConfigBody, putConfigBody, receiverAuthSchema, retryPolicySchema } from '../src/api/configs/schema';
import { publishBody } from '../src/api/events/schema';
import { validationErrorFromZod } from '../src/api/errors';

/** The fields a refused value names, as the API's 422 answer lists them. */
function refusedFields(result: { success: boolean; error?: ZodError }): string[] {
  if (result.success || !result.error) throw new Error('expected the value to be refused');
  return validationErrorFromZod(result.error).errors.map((e) => e.field);
}

test('a config needs only a URL and its event names; the rest takes its defaults', () => {
  expect(putConfigBody.parse({ url: 'https://hooks.example.com/in', eventNames: ['order.created'] })).toMatchObject({
    enabled: true,
    timeoutMs: 15_000,
    maxConcurrency: 10,
    maxPerSecond: null,
    auth: null,
    filter: null,
    transform: null,
    retry: null,
  });
});

test.each([
  ['a URL with credentials', { url: 'https://user:pw@hooks.example.com/in', eventNames: ['a.b'] }, 'url'],
  ['a relative URL', { url: '/in', eventNames: ['a.b'] }, 'url'],
  ['an event name with capitals', { url: 'https://hooks.example.com/in', eventNames: ['Order.Created'] }, 'eventNames[0]'],
  ['a timeout past the limit', { url: 'https://hooks.example.com/in', eventNames: ['a.b'], timeoutMs: 3_600_000 }, 'timeoutMs'],
  ['an unknown field', { url: 'https://hooks.example.com/in', eventNames: ['a.b'], colour: 'blue' }, 'colour'],
  ['a secret of the wrong form', { url: 'https://hooks.example.com/in', eventNames: ['a.b'], secret: 'hunter2' }, 'secret'],
])('a config with %s is refused, naming the field', (_, body, field) => {
  expect(refusedFields(putConfigBody.safeParse(body))).toContain(field);
});

test('a patch must change something', () => {
  expect(patchConfigBody.safeParse({}).success).toBe(false);
  expect(patchConfigBody.parse({ enabled: false })).toEqual({ enabled: false });
});

test('receiver auth: a basic username may not hold ":", and each type takes only its own fields', () => {
  expect(receiverAuthSchema.parse({ type: 'basic', username: 'svc', password: 'pw' })).toEqual({ type: 'basic', username: 'svc', password: 'pw' });
  expect(refusedFields(receiverAuthSchema.safeParse({ type: 'basic', username: 'a:b', password: 'pw' }))).toContain('username');
  expect(receiverAuthSchema.safeParse({ type: 'bearer', token: 't', username: 'x' }).success).toBe(false);
});

test('a retry policy takes durations written as text or as milliseconds, and refuses nonsense', () => {
  expect(retryPolicySchema.parse({ initialInterval: '500ms', window: 3_600_000, backoff: 3 })).toEqual({ initialInterval: '500ms', window: 3_600_000, backoff: 3 });
  expect(refusedFields(retryPolicySchema.safeParse({ initialInterval: 'soon' }))).toContain('initialInterval');
  expect(refusedFields(retryPolicySchema.safeParse({ backoff: 0.5 }))).toContain('backoff');
});

test('a published event needs a known shape: an event name and a JSON object of data', () => {
  expect(publishBody.safeParse({ orgId: 'acme', eventName: 'order.created', data: { id: 1 } }).success).toBe(true);
  expect(refusedFields(publishBody.safeParse({ orgId: 'acme', eventName: 'order.created', data: [1, 2] }))).toContain('data');
  expect(refusedFields(publishBody.safeParse({ orgId: 'acme', data: {} }))).toContain('eventName');
});
