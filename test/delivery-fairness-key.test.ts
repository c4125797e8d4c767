/**
 * The fairness key of a config's attempts. The server fails the workflow task that schedules an activity
 * with a key over 64 bytes, and org and config ids may be 128 characters each.
 */
import { deliveryFairnessKey, FAIRNESS_KEY_MAX_BYTES } from '../src/shared/temporal';

test('names the org and the config: config ids are unique per org only', () => {
  expect(deliveryFairnessKey('acme', 'orders')).toBe('acme/orders');
  expect(deliveryFairnessKey('globex', 'orders')).not.toBe(deliveryFairnessKey('acme', 'orders'));
});

test('stays within 64 bytes for the longest ids, and distinct for configs that share a long prefix', () => {
  const org = 'o'.repeat(128);
  const keys = ['a', 'b', `${'c'.repeat(127)}d`, `${'c'.repeat(127)}e`].map((config) => deliveryFairnessKey(org, config));
  for (const key of keys) expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(FAIRNESS_KEY_MAX_BYTES);
  expect(new Set(keys).size).toBe(keys.length);
  expect(deliveryFairnessKey(org, 'a')).toBe(deliveryFairnessKey(org, 'a'));
  expect(deliveryFairnessKey(org, 'a')).toMatch(/^o{55}~[0-9a-f]{8}$/);
});

test('a key of exactly 64 bytes is kept as it is; one byte more is hashed', () => {
  const config = 'c'.repeat(FAIRNESS_KEY_MAX_BYTES - 'acme/'.length);
  expect(deliveryFairnessKey('acme', config)).toBe(`acme/${config}`);
  expect(deliveryFairnessKey('acme', `${config}c`)).toHaveLength(FAIRNESS_KEY_MAX_BYTES);
});

test('characters outside printable ASCII never make the key longer than 64 bytes', () => {
  const key = deliveryFairnessKey('ünïcode-örg', 'ü'.repeat(60));
  expect(Buffer.byteLength(key, 'utf8')).toBeLessThanOrEqual(FAIRNESS_KEY_MAX_BYTES);
});
