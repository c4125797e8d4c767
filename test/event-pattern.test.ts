/**
 * The examples of AWS's "Content filtering in Amazon EventBridge event patterns" and "Creating event
 * patterns" pages, each with an event it matches and one it does not.
 */
import { MAX_PATTERN_BYTES, matchPattern, patternIssues } from '../src/delivery/event-pattern';

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2Event, detail });

type Row = [string, Record<string, unknown>, unknown, boolean];

const rows: Row[] = [
  // Exact values; arrays are OR; every field must match (AND).
  ['exact source', { source: ['aws.ec2'] }, ec2Event, true],
  ['exact source, other source', { source: ['aws.ec2'] }, { ...ec2Event, source: 'aws.s3' }, false],
  ['array of values is OR', { detail: { state: ['running', 'terminated'] } }, ec2Event, true],
  ['array of values is OR, none', { detail: { state: ['running', 'pending'] } }, ec2Event, false],
  ['fields are AND', { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } }, ec2Event, true],
  ['fields are AND, one differs', { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running'] } }, ec2Event, false],
  ['event array: one element is enough', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] }, ec2Event, true],
  ['event array: no element', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-other'] }, ec2Event, false],
  ['numbers match by value', { detail: { 'x-limit': [301.8] } }, withDetail({ 'x-limit': 301.8 }), true],
  ['a number is not its string', { detail: { 'x-limit': [301.8] } }, withDetail({ 'x-limit': '301.8' }), false],
  ['null matches null', { detail: { responseElements: [null] } }, withDetail({ responseElements: null }), true],
  ['null is not a missing field', { detail: { responseElements: [null] } }, withDetail({}), false],
  ['empty string', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: '' }), true],
  ['empty string is not a value', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: '1.0' }), false],
  ['nested fields', { detail: { instance: { state: { name: ['running'] } } } }, withDetail({ instance: { state: { name: 'running' } } }), true],
  ['nested fields, other value', { detail: { instance: { state: { name: ['running'] } } } }, withDetail({ instance: { state: { name: 'stopped' } } }), false],
  ['nested in an array of objects', { detail: { items: { sku: ['b-2'] } } }, withDetail({ items: [{ sku: 'a-1' }, { sku: 'b-2' }] }), true],
  ['nested in an array of objects, none', { detail: { items: { sku: ['c-3'] } } }, withDetail({ items: [{ sku: 'a-1' }, { sku: 'b-2' }] }), false],
  // prefix, suffix, equals-ignore-case, wildcard
  ['prefix', { time: [{ prefix: '2017-12-22' }] }, ec2Event, true],
  ['prefix, other day', { time: [{ prefix: '2017-10-02' }] }, ec2Event, false],
  ['prefix ignoring case', { detail: { name: [{ prefix: { 'equals-ignore-case': 'alice' } }] } }, withDetail({ name: 'ALICE SMITH' }), true],
  ['prefix ignoring case, other name', { detail: { name: [{ prefix: { 'equals-ignore-case': 'alice' } }] } }, withDetail({ name: 'Bob' }), false],
  ['suffix', { detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'image.png' }), true],
  ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'image.PNG' }), false],
  ['suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'IMAGE.PNG' }), true],
  ['suffix ignoring case, other type', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'image.jpg' }), false],
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2Event, true],
  ['equals-ignore-case, other text', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance launch' }] }, ec2Event, false],
  ['wildcard', { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' }, true],
  ['wildcard, other region', { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' }, false],
  ['wildcard suffix', { detail: { eventSource: [{ wildcard: '*.amazonaws.com' }] } }, withDetail({ eventSource: 's3.amazonaws.com' }), true],
  ['wildcard with an escaped star', { detail: { name: [{ wildcard: 'a\\*b' }] } }, withDetail({ name: 'axxb' }), false],
  // anything-but
  ['anything-but a value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'stopped' }), true],
  ['anything-but a value, that value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'initializing' }), false],
  ['anything-but a list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, withDetail({ state: 'running' }), true],
  ['anything-but a list, one of it', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, withDetail({ state: 'overloaded' }), false],
  ['anything-but a number', { detail: { 'x-limit': [{ 'anything-but': 100 }] } }, withDetail({ 'x-limit': 200 }), true],
  ['anything-but a number, that number', { detail: { 'x-limit': [{ 'anything-but': 100 }] } }, withDetail({ 'x-limit': 100 }), false],
  ['anything-but needs the field', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({}), false],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'running' }), true],
  ['anything-but prefix, that prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'initializing' }), false],
  ['anything-but suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, withDetail({ FileName: 'notes.md' }), true],
  ['anything-but suffix, that suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, withDetail({ FileName: 'notes.txt' }), false],
  ['anything-but ignoring case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } }, withDetail({ state: 'running' }), true],
  ['anything-but ignoring case, same letters', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } }, withDetail({ state: 'STOPPED' }), false],
  ['anything-but wildcard', { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, withDetail({ FilePath: '/usr/bin/env' }), true],
  ['anything-but wildcard, under lib', { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, withDetail({ FilePath: '/usr/lib/x.so' }), false],
  // numeric
  [
    'numeric ranges and equality',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    withDetail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }),
    true,
  ],
  [
    'numeric ranges, one out of range',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    withDetail({ 'c-count': 6, 'd-count': 3, 'x-limit': 301.8 }),
    false,
  ],
  ['numeric does not match a string', { detail: { 'd-count': [{ numeric: ['<', 10] }] } }, withDetail({ 'd-count': '3' }), false],
  ['numeric >= bound', { detail: { total: [{ numeric: ['>=', 100] }] } }, withDetail({ total: 100 }), true],
  // exists
  ['exists: true', { detail: { state: [{ exists: true }] } }, ec2Event, true],
  ['exists: true, missing', { detail: { state: [{ exists: true }] } }, withDetail({}), false],
  ['exists: false', { detail: { 'c-count': [{ exists: false }] } }, ec2Event, true],
  ['exists: false, present', { detail: { 'c-count': [{ exists: false }] } }, withDetail({ 'c-count': 1 }), false],
  ['exists: false under a missing parent', { detail: { a: { b: [{ exists: false }] } } }, ec2Event, true],
  // cidr
  ['cidr IPv4', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, withDetail({ sourceIPAddress: '10.0.0.255' }), true],
  ['cidr IPv4, outside', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, withDetail({ sourceIPAddress: '10.0.1.1' }), false],
  ['cidr IPv6', { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, withDetail({ sourceIPAddress: '2001:db8:1::7' }), true],
  ['cidr IPv6, outside', { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, withDetail({ sourceIPAddress: '2001:db9::1' }), false],
  ['cidr, not an address', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, withDetail({ sourceIPAddress: 'localhost' }), false],
  // $or
  [
    '$or: one alternative',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] } },
    withDetail({ 'c-count': 40, 'd-count': 3 }),
    true,
  ],
  [
    '$or: none',
    { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] } },
    withDetail({ 'c-count': 40, 'd-count': 30 }),
    false,
  ],
  ['$or at the top, with another field', { source: ['aws.ec2'], $or: [{ region: ['us-east-1'] }, { account: ['111122223333'] }] }, ec2Event, true],
  ['$or at the top, other field differs', { source: ['aws.s3'], $or: [{ region: ['us-east-1'] }, { account: ['111122223333'] }] }, ec2Event, false],
];

test.each(rows)('%s', (_name, pattern, event, expected) => {
  expect(patternIssues(pattern)).toEqual([]);
  const verdict = matchPattern(pattern, event);
  expect(verdict.matches).toBe(expected);
  expect(verdict.reason).toEqual(expected ? 'matched' : expect.any(String));
});

test('the table has at least 40 rows, matching and not', () => {
  expect(rows.length).toBeGreaterThanOrEqual(40);
  expect(rows.filter((row) => row[3]).length).toBeGreaterThanOrEqual(20);
  expect(rows.filter((row) => !row[3]).length).toBeGreaterThanOrEqual(20);
});

test('a mismatch says which field, what it held and what was asked', () => {
  const pattern = { data: { order: { total: [{ numeric: ['>', 100] }] } } };
  expect(matchPattern(pattern, { data: { order: { total: 50 } } })).toEqual({
    matches: false,
    reason: 'data.order.total: 50 does not match [{"numeric":[">",100]}]',
  });
  expect(matchPattern(pattern, { data: {} }).reason).toBe('data.order.total is missing; [{"numeric":[">",100]}] needs it');
});

const invalid: [string, unknown, string, RegExp][] = [
  ['not an object', ['a'], '', /object/],
  ['empty', {}, '', /at least one field/],
  ['a bare value', { source: 'aws.ec2' }, 'source', /array of values/],
  ['an empty list', { source: [] }, 'source', /at least one/],
  ['an unknown matcher', { detail: { a: [{ regex: 'x' }] } }, 'detail.a.0.regex', /unknown matcher/],
  ['two matchers in one object', { a: [{ prefix: 'x', suffix: 'y' }] }, 'a.0', /exactly one/],
  ['prefix of a number', { a: [{ prefix: 1 }] }, 'a.0.prefix', /string/],
  ['numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }, 'a.0.numeric', /unknown operator/],
  ['numeric range the wrong way round', { a: [{ numeric: ['<', 5, '>', 1] }] }, 'a.0.numeric', /lower bound/],
  ['numeric range empty', { a: [{ numeric: ['>', 5, '<', 1] }] }, 'a.0.numeric', /below the upper/],
  ['numeric out of range', { a: [{ numeric: ['>', 1e10] }] }, 'a.0.numeric', /between/],
  ['exists of a string', { a: [{ exists: 'yes' }] }, 'a.0.exists', /true or false/],
  ['cidr not a network', { a: [{ cidr: '10.0.0.300/8' }] }, 'a.0.cidr', /network/],
  ['cidr prefix too long', { a: [{ cidr: '10.0.0.0/33' }] }, 'a.0.cidr', /network/],
  ['wildcard with **', { a: [{ wildcard: 'a**b' }] }, 'a.0.wildcard', /consecutive/],
  ['anything-but of an object', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'a.0.anything-but.numeric', /unknown anything-but/],
  ['anything-but of an empty list', { a: [{ 'anything-but': [] }] }, 'a.0.anything-but', /at least one/],
  ['$or of one pattern', { $or: [{ a: ['x'] }] }, '$or', /at least two/],
  ['$or with a bad alternative', { $or: [{ a: ['x'] }, { b: 'y' }] }, '$or.1.b', /array of values/],
];

test.each(invalid)('invalid: %s is named by its path inside the pattern', (_name, pattern, path, message) => {
  const issues = patternIssues(pattern);
  expect(issues.length).toBeGreaterThan(0);
  expect(issues[0].path.join('.')).toBe(path);
  expect(issues[0].message).toMatch(message);
});

test('size and nesting limits', () => {
  let deep: Record<string, unknown> = { leaf: ['x'] };
  for (let i = 0; i < 10; i += 1) deep = { n: deep };
  expect(patternIssues(deep)[0].message).toMatch(/nested deeper than 10 levels/);
  const large = { a: Array.from({ length: 500 }, (_, i) => `value-${i}`) };
  expect(patternIssues(large)[0].message).toMatch(new RegExp(`over the limit of ${MAX_PATTERN_BYTES}`));
});
