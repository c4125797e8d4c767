/** The API's response views built from rows, without a server: no credential leaves in a view, and each view matches its schema. */
import { configSchema, configView } from '../src/api/configs/view';
import { circuitState } from '../src/core/endpoint-health';
import type { ReceiverAuth } from '../src/core/receiver-auth';
import type { WebhookConfigRow } from '../src/db/configs';

const NOW = new Date('2026-11-01T12:00:00Z');

function configRow(overrides: Partial<WebhookConfigRow> = {}): WebhookConfigRow {
  return {
    org_id: 'acme',
    config_id: 'orders',
    url: 'https://hooks.example.com/in',
    event_names: ['order.created'],
    enabled: true,
    description: null,
    headers: { 'X-Team': 'payments' },
    timeout_ms: 15_000,
    secret: 'sealed-secret',
    previous_secret: 'sealed-previous',
    auth: 'sealed-auth',
    filter: null,
    transform: null,
    retry_policy: null,
    previous_secret_expires_at: null,
    disabled_reason: null,
    disabled_at: null,
    max_concurrency: 10,
    max_per_second: null,
    consecutive_failures: 0,
    consecutive_dead_letters: 0,
    failing_since: null,
    last_success_at: NOW,
    last_failure_at: null,
    circuit_open_until: null,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  } as WebhookConfigRow;
}

test.each<[string, ReceiverAuth]>([
  ['basic', { type: 'basic', username: 'svc', password: 'pw-secret' }],
  ['bearer', { type: 'bearer', token: 'tok-secret' }],
  ['apiKey', { type: 'apiKey', header: 'X-Key', value: 'key-secret' }],
  ['oauth2', { type: 'oauth2', tokenUrl: 'https://auth.example.com/token', clientId: 'cid', clientSecret: 'cs-secret' }],
  ['jwt', { type: 'jwt', algorithm: 'HS256', key: 'jwt-secret' }],
])('a config with %s receiver auth shows how it authenticates, never its credentials', (_, auth) => {
  const view = configView(configRow(), { auth });
  const text = JSON.stringify(view);
  for (const secret of ['pw-secret', 'tok-secret', 'key-secret', 'cs-secret', 'jwt-secret', 'sealed-secret', 'sealed-previous', 'sealed-auth']) {
    expect(text).not.toContain(secret);
  }
  expect(view.auth?.type).toBe(auth.type);
  expect(configSchema.safeParse(view).success).toBe(true);
});

test('the signing secret appears only when given, as at creation', () => {
  expect(configView(configRow(), { auth: null })).not.toHaveProperty('secret');
  expect(configView(configRow(), { auth: null, secret: 'whsec_shown_once' }).secret).toBe('whsec_shown_once');
});

test('the circuit reads closed without an end, open before its end, half-open after it', () => {
  expect(circuitState(null)).toBe('closed');
  expect(circuitState(new Date(Date.now() + 60_000))).toBe('open');
  expect(circuitState(new Date(Date.now() - 1))).toBe('half_open');
  const view = configView(configRow({ circuit_open_until: new Date(Date.now() + 60_000), consecutive_failures: 10 }), { auth: null });
  expect(view.health).toMatchObject({ circuit: 'open', consecutiveFailures: 10 });
});
