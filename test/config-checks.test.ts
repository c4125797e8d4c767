/** The checks a config's fields pass before it is stored, on their own, without a server: each refusal names its field. */
import { generateKeyPairSync } from 'node:crypto';
import { InvalidFieldError, InvalidInputError } from '../src/core/errors';
import { assertTransformCompiles, createConfigChecks, retryPolicyProblems } from '../src/delivery/config-checks';

const checks = createConfigChecks({
  config: {
    ALLOWED_PRIVATE_CIDRS: [],
    REQUIRE_HTTPS: false,
    RETRY_POLICY_MIN_INTERVAL: 1_000,
    RETRY_POLICY_MAX_WINDOW: 72 * 3_600_000,
    RETRY_POLICY_MAX_ATTEMPTS: 100,
  },
});

/** The error `check` refuses `fields` with. */
async function refusal(fields: Parameters<typeof checks.check>[0]): Promise<unknown> {
  return checks.check(fields).then(
    () => undefined,
    (error: unknown) => error,
  );
}

test('fields that pass every check are accepted, and fields left out are not checked', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await expect(
    checks.check({
      url: 'https://hooks.example.com/in',
      auth: { type: 'jwt', algorithm: 'ES256', key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      transform: '{ "text": eventName }',
      retry: { initialInterval: '5s', window: '48h', maxAttempts: 10 },
    }),
  ).resolves.toBeUndefined();
  await expect(checks.check({})).resolves.toBeUndefined();
});

test('an internal destination is refused, in the URL and in an OAuth token endpoint alike', async () => {
  const url = await refusal({ url: 'http://127.0.0.1:8080/hook' });
  expect(url).toBeInstanceOf(InvalidFieldError);
  expect(url).toMatchObject({ field: 'url' });

  const tokenUrl = await refusal({
    url: 'https://hooks.example.com/in',
    auth: { type: 'oauth2', tokenUrl: 'http://169.254.169.254/token', clientId: 'c', clientSecret: 's' },
  });
  expect(tokenUrl).toMatchObject({ name: 'InvalidFieldError', field: 'auth.tokenUrl' });
});

test('a JWT key that cannot sign with its algorithm is refused as auth.key', async () => {
  const error = await refusal({ auth: { type: 'jwt', algorithm: 'RS256', key: 'not a PEM key' } });
  expect(error).toBeInstanceOf(InvalidFieldError);
  expect(error).toMatchObject({ field: 'auth.key' });
});

test('a transform that does not compile is refused with its position, under the field asked for', async () => {
  const error = await refusal({ transform: '{ "text": ' });
  expect(error).toMatchObject({ name: 'InvalidFieldError', field: 'transform' });
  expect((error as InvalidFieldError).reason).toMatch(/^does not compile/);
  expect(() => assertTransformCompiles('$$.(', 'body.transform')).toThrow(expect.objectContaining({ field: 'body.transform' }));
  expect(() => assertTransformCompiles({ preset: 'slack' })).not.toThrow();
  expect(() => assertTransformCompiles(null)).not.toThrow();
});

test('a retry policy outside the operator bounds names every field that is out', async () => {
  const bounds = { minIntervalMs: 1_000, maxWindowMs: 3_600_000, maxAttempts: 5 };
  expect(retryPolicyProblems({ initialInterval: '500ms', maxInterval: 2_000, window: '2h', maxAttempts: 6 }, bounds)).toEqual([
    { field: 'retry.initialInterval', message: 'must be at least 1s' },
    { field: 'retry.window', message: 'must be at most 1h' },
    { field: 'retry.maxAttempts', message: 'must be at most 5' },
  ]);
  expect(retryPolicyProblems({ backoff: 3 }, bounds)).toEqual([]);

  const error = await refusal({ retry: { initialInterval: '10ms', maxAttempts: 1_000 } });
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as InvalidInputError).problems.map((problem) => problem.field)).toEqual(['retry.initialInterval', 'retry.maxAttempts']);
});
