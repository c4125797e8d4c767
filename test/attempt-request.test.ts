/**
 * The request one attempt sends, built without servers: body, headers and a signature that the
 * standardwebhooks package verifies, with the rotated-out secret only while its overlap lasts.
 */
import { Webhook } from 'standardwebhooks';
import { buildRequest, DEFAULT_TIMEOUT_MS, signingSecrets } from '../src/activities/attempt/request';
import { generateSecret } from '../src/core/signing';
import type { DeliveryContext } from '../src/db/deliveries';
import { createSecretBox, generateEncryptionKey, decodeKey } from '../src/core/secret-box';

const box = createSecretBox(decodeKey(generateEncryptionKey()) as Buffer);
// Whole seconds of the real clock: the standardwebhooks package checks the timestamp against it.
const now = Math.floor(Date.now() / 1000) * 1000;
const current = generateSecret();
const previous = generateSecret();

function contextOf(overrides: Partial<DeliveryContext> = {}): DeliveryContext & { url: string; secret: string } {
  return {
    delivery_id: '4f6c1c1e-5b8e-4c1a-9d7a-0b1f2e3d4c5b',
    status: 'pending',
    attempt_count: 0,
    last_status_code: null,
    window_attempts: 0,
    org_id: 'acme',
    config_id: 'main',
    event_name: 'order.created',
    event_id: 'evt-1',
    event_created_at: new Date('2026-11-01T11:59:59Z'),
    data: { orderId: 'o-1' },
    url: 'https://hooks.example.com/in',
    enabled: true,
    disabled_reason: null,
    headers: { 'X-Team': 'payments', 'Webhook-Id': 'forged', 'Content-Type': 'text/plain', Host: 'evil.example' },
    timeout_ms: 5_000,
    secret: box.encrypt(current),
    previous_secret: box.encrypt(previous),
    auth: null,
    previous_secret_expires_at: new Date(now + 60_000),
    ...overrides,
  } as DeliveryContext & { url: string; secret: string };
}

test('the body carries type, eventId, timestamp and data; the signature verifies with either live secret', () => {
  const ctx = contextOf();
  const request = buildRequest(ctx, signingSecrets(ctx, box, now), 'temporal-webhooks/test', now);
  expect(JSON.parse(request.body)).toEqual({ type: 'order.created', eventId: 'evt-1', timestamp: '2026-11-01T11:59:59.000Z', data: { orderId: 'o-1' } });
  expect(request).toMatchObject({ url: ctx.url, timeoutMs: 5_000 });
  const headers = { 'webhook-id': ctx.delivery_id, 'webhook-timestamp': String(now / 1000), 'webhook-signature': request.headers['webhook-signature'] };
  expect(request.headers).toMatchObject(headers);
  for (const secret of [current, previous]) expect(new Webhook(secret).verify(request.body, headers)).toEqual(JSON.parse(request.body));
});

test("custom headers are sent, but never over the service's own", () => {
  const ctx = contextOf();
  const { headers } = buildRequest(ctx, signingSecrets(ctx, box, now), 'temporal-webhooks/test', now);
  expect(headers).toMatchObject({ 'X-Team': 'payments', 'content-type': 'application/json', 'webhook-id': ctx.delivery_id, 'user-agent': 'temporal-webhooks/test' });
  expect(Object.keys(headers).filter((name) => /^(webhook-id|content-type|host)$/i.test(name))).toEqual(['content-type', 'webhook-id']);
});

test('the rotated-out secret signs only until its overlap ends; no timeout on the config means the default', () => {
  expect(signingSecrets(contextOf(), box, now)).toEqual([current, previous]);
  expect(signingSecrets(contextOf({ previous_secret_expires_at: new Date(now - 1) }), box, now)).toEqual([current]);
  expect(signingSecrets(contextOf({ previous_secret: null, previous_secret_expires_at: null }), box, now)).toEqual([current]);
  const ctx = contextOf({ timeout_ms: null });
  expect(buildRequest(ctx, [current], 'ua', now).timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
});
