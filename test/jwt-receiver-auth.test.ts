/** JWT receiver authentication: each delivery carries a signed JWT the receiver verifies with jose, with the documented claims. */
import { importSPKI, type JWTPayload, jwtVerify } from 'jose';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { useDatabase, useStack } from './helpers/fixtures';
import { type Receiver, startReceiver } from './helpers/receiver';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('jwt-receiver-auth');
const stack = useStack(db);

interface KeyPair {
  signingKey: string;
  verify: (token: string, options: { issuer?: string; audience?: string }) => Promise<JWTPayload>;
}

function hmacPair(): KeyPair {
  const secret = randomBytes(32).toString('base64url');
  return {
    signingKey: secret,
    verify: async (token, options) => (await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], ...options })).payload,
  };
}

function asymmetricPair(algorithm: 'RS256' | 'ES256'): KeyPair {
  const { privateKey, publicKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      : generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return {
    signingKey: privateKey,
    verify: async (token, options) => (await jwtVerify(token, await importSPKI(publicKey, algorithm), { algorithms: [algorithm], ...options })).payload,
  };
}

/** A receiver that answers 204 only to a bearer JWT that jose verifies, and 401 otherwise. */
async function verifyingReceiver(pair: KeyPair, options: { issuer?: string; audience?: string }) {
  const verified: JWTPayload[] = [];
  const receiver: Receiver = await startReceiver(async (request, res) => {
    const token = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    try {
      if (!token) throw new Error('no bearer token');
      verified.push(await pair.verify(token, options));
      res.writeHead(204).end();
    } catch {
      res.writeHead(401).end();
    }
  });
  return { receiver, verified };
}

const cases: ['HS256' | 'RS256' | 'ES256', () => KeyPair][] = [
  ['HS256', hmacPair],
  ['RS256', () => asymmetricPair('RS256')],
  ['ES256', () => asymmetricPair('ES256')],
];

test.each(cases)('%s: each delivery carries a JWT the receiver verifies with jose, with the documented claims', async (algorithm, makePair) => {
  const pair = makePair();
  const org = uniqueOrg();
  const options = { issuer: 'https://webhooks.example.com', audience: `receiver-${algorithm}` };
  const { receiver, verified } = await verifyingReceiver(pair, options);
  try {
    await subscribe(stack, org, receiver.url, {
      body: { auth: { type: 'jwt', algorithm, key: pair.signingKey, ...options, ttlSeconds: 120 } },
    });
    const { deliveries } = await publish(stack, org);
    const delivered = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([204]);
    expect(verified).toHaveLength(1);
    const claims = verified[0];
    expect(claims).toMatchObject({ jti: deliveries[0].deliveryId, sub: org, iss: options.issuer, aud: options.audience });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    expect(receiver.requests[0].headers['webhook-id']).toBe(claims.jti);

    // The key is never shown again, and is not stored in the clear.
    const config = await stack.api('GET', `/webhooks/${org}/configs/main`);
    expect(config.body.auth).toEqual({ type: 'jwt', algorithm, ...options, ttlSeconds: 120 });
    expect(JSON.stringify(config.body)).not.toContain(pair.signingKey.slice(0, 40));
    const { rows } = await db.pool.query<{ auth: string }>('SELECT auth FROM webhook_configs WHERE org_id = $1', [org]);
    expect(rows[0].auth).not.toContain(pair.signingKey.slice(0, 40));
  } finally {
    await receiver.close();
  }
});

test('a token for another audience is refused by the receiver: the attempt fails with 401', async () => {
  const pair = hmacPair();
  const org = uniqueOrg();
  const { receiver, verified } = await verifyingReceiver(pair, { audience: 'the-right-one' });
  try {
    await subscribe(stack, org, receiver.url, {
      body: { auth: { type: 'jwt', algorithm: 'HS256', key: pair.signingKey, audience: 'another' }, retry: { maxAttempts: 1 } },
    });
    const { deliveries } = await publish(stack, org);
    const dead = await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
    expect(dead.attempts.map((a) => a.statusCode)).toEqual([401]);
    expect(verified).toHaveLength(0);
  } finally {
    await receiver.close();
  }
});

test('a key that cannot sign with its algorithm is refused when stored', async () => {
  const org = uniqueOrg();
  await stack.api('PUT', '/event-types/order.created', {});
  const url = 'https://hooks.example.com/in';
  const shortSecret = await stack.api<{ field: string }>('PUT', `/webhooks/${org}/configs/c`, {
    url,
    eventNames: ['order.created'],
    auth: { type: 'jwt', algorithm: 'HS256', key: 'too-short' },
  });
  expect(shortSecret.status).toBe(422);
  expect(shortSecret.body.field).toBe('auth.key');
  const notPem = await stack.api<{ field: string }>('PUT', `/webhooks/${org}/configs/c`, {
    url,
    eventNames: ['order.created'],
    auth: { type: 'jwt', algorithm: 'RS256', key: 'not a key' },
  });
  expect(notPem.status).toBe(422);
  expect(notPem.body.field).toBe('auth.key');
  const ecKeyForRsa = await stack.api<{ field: string }>('PUT', `/webhooks/${org}/configs/c`, {
    url,
    eventNames: ['order.created'],
    auth: { type: 'jwt', algorithm: 'RS256', key: asymmetricPair('ES256').signingKey },
  });
  expect(ecKeyForRsa.status).toBe(422);
  expect(ecKeyForRsa.body.field).toBe('auth.key');
});
