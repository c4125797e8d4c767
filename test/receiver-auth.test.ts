/** Receiver authentication: basic, bearer, API key and OAuth2 client credentials, sent with each delivery as configured. */
import type { ServerResponse } from 'node:http';
import { createHttpClient, DeliveryNetworkError } from '../src/core/http';
import { createReceiverAuth } from '../src/core/receiver-auth';
import { useDatabase, useReceivers, useStack } from './helpers/fixtures';
import type { ReceivedRequest, Receiver } from './helpers/receiver';
import { eventually, getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('receiver-auth');
/** Starts a receiver that stays up until the file's tests are done. */
const newReceiver = useReceivers();
const stack = useStack(db);

/** A receiver that answers 200 only to requests whose `header` is `expected`, and 401 otherwise. */
async function enforcing(header: string, expected: () => string): Promise<Receiver> {
  const receiver = await newReceiver((request, res) => {
    res.writeHead(request.headers[header] === expected() ? 200 : 401).end();
  });
  return receiver;
}

async function deliverOnce(org: string): Promise<{ deliveryId: string }> {
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  return deliveries[0];
}

test('basic: the receiver gets the username and password as HTTP basic credentials', async () => {
  const receiver = await enforcing('authorization', () => `Basic ${Buffer.from('hooks:p@ss:word').toString('base64')}`);
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { auth: { type: 'basic', username: 'hooks', password: 'p@ss:word' } } });
  await deliverOnce(org);
  expect(receiver.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('hooks:p@ss:word').toString('base64')}`]);
});

test('bearer: the token goes in Authorization, over a custom Authorization header', async () => {
  const receiver = await enforcing('authorization', () => 'Bearer tok-static-123');
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, {
    body: { auth: { type: 'bearer', token: 'tok-static-123' }, headers: { Authorization: 'Bearer stale' } },
  });
  await deliverOnce(org);
  expect(receiver.requests).toHaveLength(1);
});

test('apiKey: the value goes in the named header, and the view shows the header name only', async () => {
  const receiver = await enforcing('x-api-key', () => 'key-value-456');
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { auth: { type: 'apiKey', header: 'X-Api-Key', value: 'key-value-456' } } });
  await deliverOnce(org);
  const view = await stack.api('GET', `/webhooks/${org}/configs/main`);
  expect(view.body.auth).toEqual({ type: 'apiKey', header: 'X-Api-Key' });
  expect(JSON.stringify(view.body)).not.toContain('key-value-456');
});

test('a receiver that refuses the credential gets retries, not a success', async () => {
  const receiver = await enforcing('authorization', () => 'Bearer right');
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { auth: { type: 'bearer', token: 'wrong' } } });
  const { deliveries } = await publish(stack, org);
  const failed = await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  expect(failed.attempts.length).toBeGreaterThan(1);
  expect(failed.attempts.every((a) => a.statusCode === 401)).toBe(true);
});

describe('oauth2 client credentials', () => {
  /** client_secret_basic as RFC 6749 §2.3.1 has it: id and secret form-encoded, then HTTP basic. */
  function clientOf(header: string | undefined): [string, string] | undefined {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match) return undefined;
    const [id, secret] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
    const decode = (part = '') => decodeURIComponent(part.replace(/\+/g, ' '));
    return [decode(id), decode(secret)];
  }

  /**
   * A token endpoint that checks the client's credentials and the form, and hands out tok-1, tok-2, …
   * (or `token(n)`), with `extra` fields in the answer. It answers once `answerAfter` settles, if given.
   */
  async function tokenServer(options: {
    clientId: string;
    clientSecret: string;
    expiresIn?: number;
    token?: (issued: number) => string;
    extra?: Record<string, unknown>;
    answerAfter?: () => Promise<void>;
  }) {
    let issued = 0;
    const server = await newReceiver(async (request: ReceivedRequest, res: ServerResponse) => {
      const client = clientOf(request.headers.authorization);
      const form = new URLSearchParams(request.body);
      if (client?.[0] !== options.clientId || client[1] !== options.clientSecret || form.get('grant_type') !== 'client_credentials') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      issued += 1;
      const accessToken = options.token?.(issued) ?? `tok-${issued}`;
      await options.answerAfter?.();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600, scope: form.get('scope'), ...options.extra }),
      );
    });
    return { server, url: server.url.replace('/hook', '/token'), issued: () => issued };
  }

  test('a token is fetched once, cached across deliveries, and fetched again once after a 401', async () => {
    const tokens = await tokenServer({ clientId: 'client-a', clientSecret: 'secret/with+chars' });
    let accepted = 'Bearer tok-1';
    const receiver = await enforcing('authorization', () => accepted);
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url, {
      body: { auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-a', clientSecret: 'secret/with+chars', scope: 'webhooks:write' } },
    });

    for (let i = 0; i < 3; i += 1) await deliverOnce(org);
    expect(tokens.issued()).toBe(1);
    const form = new URLSearchParams(tokens.server.requests[0].body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', scope: 'webhooks:write' });
    expect(tokens.server.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');

    // The receiver revokes tok-1 before it expires: one 401, a new token, and the same attempt succeeds.
    accepted = 'Bearer tok-2';
    const { deliveryId } = await deliverOnce(org);
    expect(tokens.issued()).toBe(2);
    const delivery = await waitForStatus(stack, org, deliveryId, 'delivered');
    expect(delivery.attempts).toHaveLength(1);
    expect(receiver.requests.slice(-2).map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  test('an expired token is not reused', async () => {
    // 30 s is less than the safety margin: every delivery needs a fresh token.
    const tokens = await tokenServer({ clientId: 'client-b', clientSecret: 's3cret', expiresIn: 1 });
    const receiver = await newReceiver((request, res) => {
      res.writeHead(/^Bearer tok-\d+$/.test(request.headers.authorization ?? '') ? 200 : 401).end();
    });
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url, { body: { auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-b', clientSecret: 's3cret' } } });
    await deliverOnce(org);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await deliverOnce(org);
    expect(tokens.issued()).toBe(2);
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  test('a token endpoint that refuses the client fails the attempt as auth_token, and nothing is sent', async () => {
    const tokens = await tokenServer({ clientId: 'client-c', clientSecret: 'right' });
    const receiver = await enforcing('authorization', () => 'never');
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url, { body: { auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-c', clientSecret: 'wrong' } } });
    const { deliveries } = await publish(stack, org);
    const failed = await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
    expect(failed.attempts[0]).toMatchObject({ statusCode: null, error: 'auth_token' });
    expect(failed.lastError).toMatch(/OAuth token endpoint answered HTTP 401/);
    expect(receiver.requests).toHaveLength(0);
  });

  test('a token URL on an internal address is refused when the config is stored', async () => {
    const org = uniqueOrg();
    for (const tokenUrl of ['http://169.254.169.254/latest/meta-data/token', 'http://10.0.0.5/token', 'http://[::ffff:10.0.0.5]/token']) {
      const answer = await stack.api<{ field: string }>('PUT', `/webhooks/${org}/configs/main`, {
        url: 'https://hooks.example.com/in',
        eventNames: ['order.created'],
        auth: { type: 'oauth2', tokenUrl, clientId: 'c', clientSecret: 's' },
      });
      expect({ tokenUrl, status: answer.status, field: answer.body.field }).toEqual({ tokenUrl, status: 422, field: 'auth.tokenUrl' });
    }
  });

  test('a token answer of over 10 KiB is read whole', async () => {
    // A JWT with many claims, and an id_token beside it: 11 KiB in all, well past the 4 KiB kept of delivery answers.
    const jwt = (issued: number) => `eyJ${issued}.${'c'.repeat(6 * 1024)}.sig`;
    const tokens = await tokenServer({ clientId: 'client-d', clientSecret: 's3cret', token: jwt, extra: { id_token: 'i'.repeat(5 * 1024) } });
    const receiver = await enforcing('authorization', () => `Bearer ${jwt(1)}`);
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url, { body: { auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-d', clientSecret: 's3cret' } } });
    await deliverOnce(org);
    expect(tokens.issued()).toBe(1);
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${jwt(1)}`]);
  });

  test('a token answer over 64 KiB fails the attempt as auth_token, and nothing is sent', async () => {
    const tokens = await tokenServer({ clientId: 'client-e', clientSecret: 's3cret', extra: { padding: 'p'.repeat(65 * 1024) } });
    const receiver = await enforcing('authorization', () => 'Bearer tok-1');
    const http = createHttpClient();
    try {
      const attempts = createReceiverAuth({ http });
      const auth = { type: 'oauth2' as const, tokenUrl: tokens.url, clientId: 'client-e', clientSecret: 's3cret' };
      const failure = await attempts.post({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 5_000, auth }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryNetworkError);
      expect(failure).toMatchObject({ errorClass: 'auth_token', message: 'OAuth token endpoint answered more than 64 KiB' });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await http.close();
    }
  });

  test("one attempt's cancellation leaves the token request it shares to the others", async () => {
    let answer = (): void => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const tokens = await tokenServer({ clientId: 'client-f', clientSecret: 's3cret', answerAfter: () => answered });
    const receiver = await enforcing('authorization', () => 'Bearer tok-1');
    const http = createHttpClient();
    try {
      const attempts = createReceiverAuth({ http });
      const auth = { type: 'oauth2' as const, tokenUrl: tokens.url, clientId: 'client-f', clientSecret: 's3cret' };
      const attempt = (cancel: AbortSignal) => attempts.post({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 10_000, cancel, auth });
      const firstCancel = new AbortController();
      const first = attempt(firstCancel.signal);
      // The first attempt's token request is at the endpoint, unanswered; the second attempt waits for the same one.
      await tokens.server.waitForRequests(1, 5_000);
      const second = attempt(new AbortController().signal);
      const reason = new Error('first attempt cancelled');
      firstCancel.abort(reason);
      await expect(first).rejects.toBe(reason);

      answer();
      await expect(second).resolves.toMatchObject({ statusCode: 200 });
      expect(tokens.server.requests).toHaveLength(1);
      expect(receiver.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1']);
    } finally {
      answer();
      await http.close();
    }
  });

  test("a slow token endpoint and a slow receiver together cannot stretch an attempt past its timeout", async () => {
    const tokens = await tokenServer({
      clientId: 'client-g',
      clientSecret: 's3cret',
      answerAfter: () => new Promise((resolve) => setTimeout(resolve, 1_200)),
    });
    // The receiver never answers: the attempt ends at its deadline.
    const receiver = await newReceiver(() => undefined);
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url, {
      body: { timeoutMs: 2_000, auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-g', clientSecret: 's3cret' } },
    });
    const { deliveries } = await publish(stack, org);
    const delivery = await eventually(
      async () => {
        const current = await getDelivery(stack, org, deliveries[0].deliveryId);
        return current.attempts.length > 0 ? current : undefined;
      },
      20_000,
      'a first attempt',
    );
    const first = delivery.attempts.find((a) => a.attempt === 1);
    expect(first).toMatchObject({ statusCode: null, error: 'timeout' });
    // 1.2 s of it went to the token: the POST got the 0.8 s left, not 2 s of its own.
    expect(first?.durationMs).toBeGreaterThanOrEqual(1_900);
    expect(first?.durationMs).toBeLessThan(2_500);
    expect(receiver.requests[0].headers.authorization).toBe('Bearer tok-1');
  });
});
