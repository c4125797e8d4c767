/** Encryption of secrets at rest: round trips, tampering, missing keys, key rotation, values stored in the clear and the key configuration. */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createSecretBox, DecryptionError, keyIdOf, secretBoxFor } from '../src/core/secret-box';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const secret = 'whsec_' + randomBytes(24).toString('base64');

test('a value round-trips, and its ciphertext names the key and hides the plaintext', () => {
  const box = createSecretBox(keyA);
  const stored = box.encrypt(secret);
  expect(stored.startsWith(`enc:v1:${keyIdOf(keyA)}:`)).toBe(true);
  expect(stored).not.toContain(secret);
  expect(stored).not.toContain(secret.slice(6, 20));
  expect(box.decrypt(stored)).toBe(secret);
  // A fresh IV each time: equal plaintexts never give equal ciphertexts.
  expect(box.encrypt(secret)).not.toBe(stored);
});

test('a tampered ciphertext, tag or IV fails authentication', () => {
  const box = createSecretBox(keyA);
  const stored = box.encrypt(secret);
  const parts = stored.split(':');
  for (const index of [3, 4, 5]) {
    const changed = [...parts];
    const bytes = Buffer.from(changed[index], 'base64url');
    bytes[0] ^= 1;
    changed[index] = bytes.toString('base64url');
    expect(() => box.decrypt(changed.join(':'))).toThrow(DecryptionError);
  }
  expect(() => box.decrypt(`${stored}:extra`)).toThrow(DecryptionError);
});

test('a value under a key that is not configured cannot be read, and the error names only the key id', () => {
  const stored = createSecretBox(keyA).encrypt(secret);
  const other = createSecretBox(keyB);
  expect(() => other.decrypt(stored)).toThrow(new RegExp(`key ${keyIdOf(keyA)}, which is not configured`));
  expect(() => other.decrypt(stored)).toThrow(
    expect.objectContaining({ name: 'DecryptionError', message: expect.not.stringContaining(keyA.toString('base64')) }),
  );
});

test('after a rotation, old values still decrypt through the previous keys and are marked for re-encryption', () => {
  const old = createSecretBox(keyA).encrypt(secret);
  const rotated = createSecretBox(keyB, [keyA]);
  expect(rotated.decrypt(old)).toBe(secret);
  expect(rotated.needsRotation(old)).toBe(true);
  const fresh = rotated.encrypt(secret);
  expect(rotated.needsRotation(fresh)).toBe(false);
  expect(fresh.startsWith(`enc:v1:${keyIdOf(keyB)}:`)).toBe(true);
});

test('a value stored before encryption at rest is read as is and marked for re-encryption', () => {
  const box = createSecretBox(keyA);
  expect(box.decrypt(secret)).toBe(secret);
  expect(box.needsRotation(secret)).toBe(true);
});

test('the configuration takes 32-byte base64 keys only, and the service refuses to run without one', () => {
  const base = { DATABASE_URL: 'postgres://localhost/x' };
  expect(() => loadConfig({ ...base, ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toThrow(/ENCRYPTION_KEY: expected 32 random bytes/);
  expect(() => loadConfig({ ...base, ENCRYPTION_KEY: 'not base64 at all!' })).toThrow(/ENCRYPTION_KEY/);
  expect(() => loadConfig({ ...base, ENCRYPTION_PREVIOUS_KEYS: `${keyA.toString('base64')},short` })).toThrow(/ENCRYPTION_PREVIOUS_KEYS/);
  expect(() => secretBoxFor(loadConfig(base))).toThrow(/ENCRYPTION_KEY is required/);
  const config = loadConfig({ ...base, ENCRYPTION_KEY: keyB.toString('base64'), ENCRYPTION_PREVIOUS_KEYS: keyA.toString('base64') });
  const box = secretBoxFor(config);
  expect(box.keyId).toBe(keyIdOf(keyB));
  expect(box.decrypt(createSecretBox(keyA).encrypt(secret))).toBe(secret);
});
