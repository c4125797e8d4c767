/** Inbound webhooks from GitHub, Stripe, Twilio and Standard Webhooks senders: signed ones are published as events, unsigned, changed or replayed ones get 401. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import { githubWebhookMethods } from '../src/inbound/github-methods';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { createResponseChecker } from './helpers/openapi';
import { eventually, uniqueOrg } from './helpers/scenario';

/** GitHub's own signing, from @octokit/webhooks-methods. */
const githubSign = async (secret: string, payload: string): Promise<string> => (await githubWebhookMethods()).sign(secret, payload);

const checker = createResponseChecker();

const db = useDatabase('inbound-verification');
// Every answer is checked against docs/openapi.json, the providers' calls too (post).
const stack = useStack(db, {}, { checked: true });
const receiver = useReceiver();

/** Registers a source of `provider` for a new org, the event types it will publish, and a config receiving them. */
async function source(provider: string, secret: string, eventNames: string[]) {
  const org = uniqueOrg();
  const sourceId = `${provider}-${randomBytes(4).toString('hex')}`;
  for (const eventName of eventNames) expect((await stack.api('PUT', `/event-types/${eventName}`, {})).status).toBeLessThan(300);
  const put = await stack.api('PUT', `/inbound/${sourceId}`, { provider, secret, orgId: org, eventNamePrefix: provider });
  expect(put.status).toBe(201);
  expect(put.body).not.toHaveProperty('secret');
  const config = await stack.api('PUT', `/webhooks/${org}/configs/main`, { url: receiver.url, eventNames });
  expect(config.status).toBe(201);
  return { org, sourceId, url: `${stack.baseUrl}/inbound/${sourceId}` };
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  const answer = { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  checker.assert('POST', new URL(url).pathname, answer);
  return answer;
}

async function eventsOf(org: string): Promise<{ event_name: string; data: Record<string, unknown> }[]> {
  const { rows } = await db.pool.query('SELECT event_name, data FROM events WHERE org_id = $1 ORDER BY created_at', [org]);
  return rows;
}

/** The delivery of the org's event arrives at the receiver like any other, carrying the provider's payload. */
async function delivered(org: string, eventName: string) {
  return eventually(async () => {
    const match = receiver.requests.find((r) => {
      const body = JSON.parse(r.body) as { type: string; eventId: string };
      return body.type === eventName && r.headers['webhook-id'] !== undefined && r.body.includes(org);
    });
    return match ? (JSON.parse(match.body) as { type: string; data: Record<string, unknown> }) : undefined;
  }, 20_000, `${eventName} delivered for ${org}`);
}

describe('GitHub (X-Hub-Signature-256, @octokit/webhooks-methods)', () => {
  const secret = randomBytes(20).toString('hex');

  test('a signed push becomes github.push; a body changed after signing gets 401 and publishes nothing', async () => {
    const { org, url } = await source('github', secret, ['github.push']);
    const payload = JSON.stringify({ ref: 'refs/heads/main', org, commits: [{ id: 'c1' }] });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID() };

    const tampered = await post(url, payload.replace('main', 'prod'), { ...headers, 'x-hub-signature-256': await githubSign(secret, payload) });
    expect(tampered.status).toBe(401);
    expect(await post(url, payload, headers)).toMatchObject({ status: 401 });
    expect(await post(url, payload, { ...headers, 'x-hub-signature-256': await githubSign('wrong-secret', payload) })).toMatchObject({ status: 401 });
    expect(await eventsOf(org)).toEqual([]);

    const accepted = await post(url, payload, { ...headers, 'x-hub-signature-256': await githubSign(secret, payload) });
    expect(accepted.status).toBe(202);
    expect(accepted.body.eventName).toBe('github.push');
    expect((await delivered(org, 'github.push')).data).toEqual(JSON.parse(payload));

    // GitHub redelivers with the same X-GitHub-Delivery: published once.
    const again = await post(url, payload, { ...headers, 'x-hub-signature-256': await githubSign(secret, payload) });
    expect(again.body.eventId).toBe(accepted.body.eventId);
    expect(await eventsOf(org)).toHaveLength(1);
  });
});

describe('Stripe (Stripe-Signature, stripe.webhooks.constructEvent with 5 minutes of tolerance)', () => {
  const secret = `whsec_${randomBytes(24).toString('hex')}`;
  const eventBody = (org: string) => JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', amount: 2000, metadata: { org } } } });

  test('a signed event becomes stripe.payment_intent.succeeded; a replayed old timestamp and a changed body get 401', async () => {
    const { org, url } = await source('stripe', secret, ['stripe.payment_intent.succeeded']);
    const payload = eventBody(org);
    const now = Math.floor(Date.now() / 1000);

    const old = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - 6 * 60 });
    expect(await post(url, payload, { 'content-type': 'application/json', 'stripe-signature': old })).toMatchObject({ status: 401 });
    const fresh = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now });
    const changed = payload.replace('2000', '1');
    expect(await post(url, changed, { 'content-type': 'application/json', 'stripe-signature': fresh })).toMatchObject({ status: 401 });
    expect(await eventsOf(org)).toEqual([]);

    const accepted = await post(url, payload, { 'content-type': 'application/json', 'stripe-signature': fresh });
    expect(accepted.status).toBe(202);
    expect(accepted.body.eventName).toBe('stripe.payment_intent.succeeded');
    expect((await delivered(org, 'stripe.payment_intent.succeeded')).data).toMatchObject({ type: 'payment_intent.succeeded', data: { object: { amount: 2000 } } });
  });

  test('a signature four minutes old is still inside the tolerance', async () => {
    const { org, url } = await source('stripe', secret, ['stripe.payment_intent.succeeded']);
    const payload = eventBody(org);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(await post(url, payload, { 'content-type': 'application/json', 'stripe-signature': header })).toMatchObject({ status: 202 });
  });
});

describe('Twilio (X-Twilio-Signature over the URL and the form parameters)', () => {
  const authToken = randomBytes(16).toString('hex');

  test('a signed status callback becomes twilio.message.delivered; changed parameters get 401', async () => {
    const { org, url } = await source('twilio', authToken, ['twilio.message.delivered']);
    const params = { MessageSid: 'SM123', MessageStatus: 'delivered', To: '+15550001', From: '+15550002', AccountSid: org };
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    const form = (p: Record<string, string>) => new URLSearchParams(p).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature };

    expect(await post(url, form({ ...params, To: '+15559999' }), headers)).toMatchObject({ status: 401 });
    expect(await post(`${url}?extra=1`, form(params), headers)).toMatchObject({ status: 401 });
    expect(await eventsOf(org)).toEqual([]);

    const accepted = await post(url, form(params), headers);
    expect(accepted.status).toBe(202);
    expect(accepted.body.eventName).toBe('twilio.message.delivered');
    expect((await delivered(org, 'twilio.message.delivered')).data).toEqual(params);
  });
});

describe('Standard Webhooks (standardwebhooks)', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  test('a signed message becomes standard.{type}; a replayed old timestamp and a changed body get 401', async () => {
    const { org, url } = await source('standard', secret, ['standard.invoice.paid']);
    const payload = JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: { invoice: 'in_1', org } });
    const wh = new Webhook(secret);
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const signedAt = (date: Date) => ({
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': wh.sign(id, date, payload),
    });

    expect(await post(url, payload, signedAt(new Date(Date.now() - 10 * 60_000)))).toMatchObject({ status: 401 });
    const now = signedAt(new Date());
    expect(await post(url, payload.replace('in_1', 'in_2'), now)).toMatchObject({ status: 401 });
    expect(await eventsOf(org)).toEqual([]);

    const accepted = await post(url, payload, now);
    expect(accepted.status).toBe(202);
    expect(accepted.body.eventName).toBe('standard.invoice.paid');
    expect((await delivered(org, 'standard.invoice.paid')).data).toMatchObject({ type: 'invoice.paid', data: { invoice: 'in_1' } });
  });
});

test('an unknown source gets 404, and a verified event of an unregistered type gets 422', async () => {
  expect((await post(`${stack.baseUrl}/inbound/nope-${randomBytes(3).toString('hex')}`, '{}', { 'content-type': 'application/json' })).status).toBe(404);
  const secret = randomBytes(20).toString('hex');
  const { org, url } = await source('github', secret, ['github.push']);
  const payload = JSON.stringify({ zen: 'Keep it logically awesome.' });
  const answer = await post(url, payload, { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': await githubSign(secret, payload) });
  expect(answer.status).toBe(422);
  expect(String(answer.body.detail)).toContain('github.ping');
  expect(await eventsOf(org)).toEqual([]);
});
