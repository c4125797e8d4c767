/** The destination guard: which addresses and schemes a webhook URL may reach, checked on the URL and again at connect time, and a guarded HTTP client blocking a POST before it is sent. */
import { createDestinationGuard, DestinationBlockedError } from '../src/core/destinations';
import { createHttpClient, DeliveryNetworkError } from '../src/core/http';
import { type Receiver, startReceiver } from './helpers/receiver';
import { LOOPBACK_SPELLINGS } from './helpers/loopback-spellings';

const strict = createDestinationGuard({ allowedCidrs: [], requireHttps: false });

test.each([
  ...LOOPBACK_SPELLINGS,
  ['http://localhost:8080/hook'],
  ['http://api.localhost/hook'],
  ['http://LOCALHOST./hook'],
  ['http://10.1.2.3/hook'],
  ['http://172.16.5.4/hook'],
  ['http://172.31.255.255/hook'],
  ['http://192.168.1.1/hook'],
  ['http://169.254.169.254/latest/meta-data'],
  ['http://100.64.0.1/hook'],
  ['http://0.0.0.0/hook'],
  ['http://0/hook'],
  ['http://224.0.0.1/hook'],
  ['http://255.255.255.255/hook'],
  ['http://[::1]/hook'],
  ['http://[::]/hook'],
  ['http://[fe80::1]/hook'],
  ['http://[fc00::1]/hook'],
  ['http://[fd12:3456::1]/hook'],
  ['http://[::ffff:a9fe:a9fe]/hook'],
])('%s is refused when the config is stored', (url) => {
  expect(strict.checkUrl(url)).toEqual(expect.any(String));
});

test.each([['https://example.com/hook'], ['http://93.184.216.34/hook'], ['https://[2606:4700::1111]/hook'], ['http://172.32.0.1/hook']])(
  '%s is accepted',
  (url) => {
    expect(strict.checkUrl(url)).toBeUndefined();
  },
);

test('an operator opens a range: loopback for local receivers, and nothing beyond it', () => {
  const local = createDestinationGuard({ allowedCidrs: ['127.0.0.0/8'], requireHttps: false });
  expect(local.checkUrl('http://127.0.0.1:3000/hook')).toBeUndefined();
  expect(local.checkUrl('http://localhost:3000/hook')).toBeUndefined();
  expect(local.checkUrl('http://[::ffff:127.0.0.1]/hook')).toBeUndefined();
  expect(local.checkUrl('http://10.0.0.1/hook')).toEqual(expect.any(String));
  expect(local.isAllowedAddress('169.254.169.254')).toBe(false);
});

test('REQUIRE_HTTPS refuses http URLs', () => {
  const https = createDestinationGuard({ allowedCidrs: [], requireHttps: true });
  expect(https.checkUrl('http://example.com/hook')).toBe('must use https');
  expect(https.checkUrl('https://example.com/hook')).toBeUndefined();
});

test('a malformed range is refused by name', () => {
  expect(() => createDestinationGuard({ allowedCidrs: ['10.0.0.0/33'], requireHttps: false })).toThrow(/10\.0\.0\.0\/33/);
});

test('the connect-time lookup refuses a name that resolves to a blocked address', async () => {
  const error = await new Promise<Error | null>((resolve) => strict.lookup('localhost', { all: true }, (err) => resolve(err)));
  expect(error).toBeInstanceOf(DestinationBlockedError);
});

describe('delivery through the guarded HTTP client', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  test.each([['127.0.0.1'], ['localhost']])('a POST to %s is blocked before anything is sent', async (host) => {
    const http = createHttpClient({ guard: strict });
    try {
      const failure = await http.post(`http://${host}:${receiver.port}/hook`, {}, '{}', 2_000).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryNetworkError);
      expect(failure).toMatchObject({ errorClass: 'destination_blocked' });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await http.close();
    }
  });

  test('with loopback allowed, the same POST goes through', async () => {
    const http = createHttpClient({ guard: createDestinationGuard({ allowedCidrs: ['127.0.0.0/8'], requireHttps: false }) });
    try {
      await expect(http.post(`http://localhost:${receiver.port}/hook`, {}, '{}', 2_000)).resolves.toMatchObject({ statusCode: 200 });
    } finally {
      await http.close();
    }
  });
});
