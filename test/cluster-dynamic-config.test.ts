/** The dynamic config of the local cluster: fairness on, and a variant without it for the benchmark's A/B runs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { dynamicConfigWithoutFairness } from '../src/dev/temporal-cluster';

const text = readFileSync(path.resolve(__dirname, '..', 'src', 'dev', 'temporal-cluster.dynamicconfig.yaml'), 'utf8');
type DynamicConfig = Record<string, { value: unknown; constraints?: unknown }[]>;

test('the cluster runs with task queue fairness', () => {
  expect((parse(text) as DynamicConfig)['matching.enableFairness']).toEqual([{ value: true }]);
});

test('the variant without fairness turns it off and keeps every other setting', () => {
  const { 'matching.enableFairness': on, ...rest } = parse(text) as DynamicConfig;
  const { 'matching.enableFairness': off, ...restWithout } = parse(dynamicConfigWithoutFairness(text)) as DynamicConfig;
  expect(on).toEqual([{ value: true }]);
  expect(off).toEqual([{ value: false }]);
  expect(restWithout).toEqual(rest);
  expect(() => dynamicConfigWithoutFairness('frontend.rps:\n  - value: 1\n')).toThrow(/no longer turns matching\.enableFairness on/);
});
