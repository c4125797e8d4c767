// sign() against the Standard Webhooks reference: no server, no database.
import { Webhook } from 'standardwebhooks';
import { sign } from '../src/core/signing';

test('sign() matches the Standard Webhooks reference computation', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';
  // Test vector published with the Standard Webhooks specification's reference libraries.
  expect(sign([secret], id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  expect(sign([secret], id, timestamp, body)).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
});
