/**
 * Event patterns in EventBridge's dialect, checked when stored and matched at publish. Pure: no I/O.
 *
 * A pattern is an object whose fields name fields of the event. A field's value is either an array of
 * values and matchers (any one may match: arrays are OR), or a nested pattern. Every field must match
 * (AND), except under `$or`, where one alternative is enough. When the event's field is an array, one
 * element matching is enough. Matchers: exact values (strings, numbers, booleans, null), `prefix`,
 * `suffix` (each also with `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (a
 * value, a list, or a `prefix`, `suffix`, `equals-ignore-case` or `wildcard`), `numeric`, `exists` and
 * `cidr`.
 */
import { BlockList, isIP } from 'node:net';

/** Longest pattern, in bytes of its JSON, and deepest nesting of objects (EventBridge's own orders of size). */
export const MAX_PATTERN_BYTES = 4096;
export const MAX_PATTERN_DEPTH = 10;
/** EventBridge's range of numbers in `numeric`. */
const NUMERIC_LIMIT = 5e9;

export type EventPattern = Record<string, unknown>;

export interface PatternIssue {
  /** Path inside the pattern, e.g. `["data", "order", "total", 0, "numeric"]`. */
  path: (string | number)[];
  message: string;
}

export interface PatternVerdict {
  matches: boolean;
  /** Why: `matched`, or the first field that did not match and how. */
  reason: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardIssue(text: unknown): string | undefined {
  if (!isString(text)) return 'must be a string';
  if (/(^|[^\\])\*\*/.test(text)) return 'may not contain consecutive "*"';
  if (/\\(?![*\\])/.test(text)) return 'a "\\" may only escape "*" or "\\"';
  return undefined;
}

function wildcardRegExp(text: string): RegExp {
  let source = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length) {
      source += text[i + 1].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else if (char === '*') source += '.*';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function parseCidr(text: unknown): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  if (!isString(text)) return undefined;
  const [network, bits, extra] = text.split('/');
  const version = isIP(network ?? '');
  if (version === 0 || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `prefix` and `suffix` take a string, or `{"equals-ignore-case": string}`. */
function affixIssue(value: unknown): string | undefined {
  if (isString(value)) return undefined;
  if (isPlainObject(value) && Object.keys(value).length === 1 && isString(value['equals-ignore-case'])) return undefined;
  return 'must be a string, or {"equals-ignore-case": string}';
}

function anythingButIssues(value: unknown, path: (string | number)[]): PatternIssue[] {
  if (isString(value) || isNumber(value)) return [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ path, message: 'must list at least one value' }];
    return value.flatMap((item, i) => (isString(item) || isNumber(item) ? [] : [{ path: [...path, i], message: 'must be a string or a number' }]));
  }
  if (isPlainObject(value) && Object.keys(value).length === 1) {
    const [name] = Object.keys(value);
    const inner = value[name];
    const at = [...path, name];
    switch (name) {
      case 'prefix':
      case 'suffix':
        return isString(inner) ? [] : [{ path: at, message: 'must be a string' }];
      case 'equals-ignore-case': {
        const list = Array.isArray(inner) ? inner : [inner];
        return list.length > 0 && list.every(isString) ? [] : [{ path: at, message: 'must be a string or a list of strings' }];
      }
      case 'wildcard': {
        const list = Array.isArray(inner) ? inner : [inner];
        const message = list.length === 0 ? 'must be a string or a list of strings' : list.map(wildcardIssue).find(Boolean);
        return message ? [{ path: at, message }] : [];
      }
      default:
        return [{ path: at, message: 'unknown anything-but matcher: expected prefix, suffix, equals-ignore-case or wildcard' }];
    }
  }
  return [{ path, message: 'must be a value, a list of values, or {prefix|suffix|equals-ignore-case|wildcard}' }];
}

function numericIssue(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be an array such as [">", 0, "<=", 5] or ["=", 3]';
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i < value.length; i += 2) pairs.push([value[i], value[i + 1]]);
  if (value.length % 2 !== 0 || pairs.length === 0 || pairs.length > 2) return 'must be one or two (operator, number) pairs';
  for (const [op, n] of pairs) {
    if (!isString(op) || !['=', '<', '<=', '>', '>='].includes(op)) return `unknown operator ${JSON.stringify(op)}: expected =, <, <=, > or >=`;
    if (!isNumber(n) || Math.abs(n) > NUMERIC_LIMIT) return `${JSON.stringify(n)} is not a number between -5e9 and 5e9`;
  }
  if (pairs.length === 2) {
    const [[lowOp, low], [highOp, high]] = pairs as [string, number][];
    if (!LOWER_OPS.has(lowOp) || !UPPER_OPS.has(highOp)) return 'a range is a lower bound (> or >=) followed by an upper bound (< or <=)';
    if (low >= high) return 'the lower bound must be below the upper bound';
  }
  return undefined;
}

function matcherIssues(matcher: Record<string, unknown>, path: (string | number)[]): PatternIssue[] {
  const names = Object.keys(matcher);
  if (names.length !== 1) return [{ path, message: 'a matcher is an object of exactly one of prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr' }];
  const [name] = names;
  const value = matcher[name];
  const at = [...path, name];
  const one = (message: string | undefined): PatternIssue[] => (message ? [{ path: at, message }] : []);
  switch (name) {
    case 'prefix':
    case 'suffix':
      return one(affixIssue(value));
    case 'equals-ignore-case':
      return one(isString(value) ? undefined : 'must be a string');
    case 'wildcard':
      return one(wildcardIssue(value));
    case 'anything-but':
      return anythingButIssues(value, at);
    case 'numeric':
      return one(numericIssue(value));
    case 'exists':
      return one(typeof value === 'boolean' ? undefined : 'must be true or false');
    case 'cidr':
      return one(parseCidr(value) ? undefined : 'must be an IPv4 or IPv6 network such as "10.0.0.0/24"');
    default:
      return [{ path: at, message: `unknown matcher "${name}"` }];
  }
}

function objectIssues(pattern: unknown, path: (string | number)[], depth: number): PatternIssue[] {
  if (!isPlainObject(pattern)) return [{ path, message: 'must be an object of fields' }];
  if (depth > MAX_PATTERN_DEPTH) return [{ path, message: `nested deeper than ${MAX_PATTERN_DEPTH} levels` }];
  const names = Object.keys(pattern);
  if (names.length === 0) return [{ path, message: 'must name at least one field' }];
  return names.flatMap((name): PatternIssue[] => {
    const value = pattern[name];
    const at = [...path, name];
    if (name === '$or') {
      if (!Array.isArray(value) || value.length < 2) return [{ path: at, message: 'must be an array of at least two patterns' }];
      return value.flatMap((alternative, i) => objectIssues(alternative, [...at, i], depth + 1));
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return [{ path: at, message: 'must list at least one value or matcher' }];
      return value.flatMap((item, i) => {
        if (item === null || isString(item) || typeof item === 'boolean') return [];
        if (typeof item === 'number') return isNumber(item) ? [] : [{ path: [...at, i], message: 'must be a finite number' }];
        if (isPlainObject(item)) return matcherIssues(item, [...at, i]);
        return [{ path: [...at, i], message: 'must be a value (string, number, boolean, null) or a matcher object' }];
      });
    }
    if (isPlainObject(value)) return objectIssues(value, at, depth + 1);
    return [{ path: at, message: 'must be an array of values or matchers, or an object of fields' }];
  });
}

/** Everything wrong with a pattern, each named by its path inside the pattern; empty when it is valid. */
export function patternIssues(pattern: unknown): PatternIssue[] {
  const size = Buffer.byteLength(JSON.stringify(pattern) ?? '', 'utf8');
  if (size > MAX_PATTERN_BYTES) return [{ path: [], message: `is ${size} bytes of JSON, over the limit of ${MAX_PATTERN_BYTES}` }];
  return objectIssues(pattern, [], 1);
}

/** The leaf values at a field: an array's elements (flattened), a scalar itself, nothing for objects. */
function leafValues(value: unknown, present: boolean): unknown[] {
  if (!present) return [];
  if (Array.isArray(value)) return value.flatMap((item) => leafValues(item, true));
  return isPlainObject(value) ? [] : [value];
}

const lower = (text: string): string => text.toLowerCase();

function affixText(spec: unknown): { text: string; ignoreCase: boolean } {
  return isString(spec) ? { text: spec, ignoreCase: false } : { text: (spec as Record<string, string>)['equals-ignore-case'], ignoreCase: true };
}

function numericMatches(spec: unknown[], value: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i] as string;
    const n = spec[i + 1] as number;
    const ok = op === '=' ? value === n : op === '<' ? value < n : op === '<=' ? value <= n : op === '>' ? value > n : value >= n;
    if (!ok) return false;
  }
  return true;
}

function cidrMatches(spec: string, value: unknown): boolean {
  if (!isString(value)) return false;
  const cidr = parseCidr(spec)!;
  const version = isIP(value);
  if (version === 0 || (version === 4) !== (cidr.family === 'ipv4')) return false;
  const list = new BlockList();
  list.addSubnet(cidr.network, cidr.prefix, cidr.family);
  return list.check(value, cidr.family);
}

function anythingButMatches(spec: unknown, value: unknown): boolean {
  if (isPlainObject(spec)) {
    const [name] = Object.keys(spec);
    const inner = spec[name];
    if (!isString(value)) return true;
    switch (name) {
      case 'prefix':
        return !value.startsWith(inner as string);
      case 'suffix':
        return !value.endsWith(inner as string);
      case 'equals-ignore-case':
        return !(Array.isArray(inner) ? inner : [inner]).some((item) => lower(item as string) === lower(value));
      default:
        return !(Array.isArray(inner) ? inner : [inner]).some((item) => wildcardRegExp(item as string).test(value));
    }
  }
  return !(Array.isArray(spec) ? spec : [spec]).some((excluded) => excluded === value);
}

function matcherMatches(matcher: Record<string, unknown>, value: unknown): boolean {
  const [name] = Object.keys(matcher);
  const spec = matcher[name];
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (!isString(value)) return false;
      const { text, ignoreCase } = affixText(spec);
      const subject = ignoreCase ? lower(value) : value;
      const affix = ignoreCase ? lower(text) : text;
      return name === 'prefix' ? subject.startsWith(affix) : subject.endsWith(affix);
    }
    case 'equals-ignore-case':
      return isString(value) && lower(value) === lower(spec as string);
    case 'wildcard':
      return isString(value) && wildcardRegExp(spec as string).test(value);
    case 'anything-but':
      return anythingButMatches(spec, value);
    case 'numeric':
      return isNumber(value) && numericMatches(spec as unknown[], value);
    case 'cidr':
      return cidrMatches(spec as string, value);
    default:
      return false;
  }
}

/** Whether the field's leaf values satisfy one array of values and matchers (any of them). */
function leafMatches(spec: unknown[], values: unknown[]): boolean {
  return spec.some((item) => {
    if (isPlainObject(item)) {
      if ('exists' in item) return item.exists === values.length > 0;
      return values.some((value) => matcherMatches(item, value));
    }
    return values.some((value) => value === item);
  });
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** The first mismatch of `pattern` against `value`, or undefined when it matches. */
function mismatch(pattern: EventPattern, value: unknown, path: string): string | undefined {
  for (const [name, spec] of Object.entries(pattern)) {
    if (name === '$or') {
      const reasons = (spec as EventPattern[]).map((alternative) => mismatch(alternative, value, path));
      if (reasons.every((reason) => reason !== undefined)) return `no alternative of ${join(path, '$or')} matched (first: ${reasons[0]})`;
      continue;
    }
    const fieldPath = join(path, name);
    const present = isPlainObject(value) && Object.hasOwn(value, name);
    const field = present ? (value as Record<string, unknown>)[name] : undefined;
    if (Array.isArray(spec)) {
      if (leafMatches(spec, leafValues(field, present))) continue;
      return present ? `${fieldPath}: ${show(field)} does not match ${show(spec)}` : `${fieldPath} is missing; ${show(spec)} needs it`;
    }
    const nested = spec as EventPattern;
    // An array of objects matches when one of its elements does.
    if (Array.isArray(field)) {
      const objects = field.filter(isPlainObject);
      const reasons = objects.map((item) => mismatch(nested, item, fieldPath));
      if (objects.length > 0 && reasons.some((reason) => reason === undefined)) continue;
      return reasons[0] ?? mismatch(nested, undefined, fieldPath);
    }
    const reason = mismatch(nested, isPlainObject(field) ? field : undefined, fieldPath);
    if (reason) return reason;
  }
  return undefined;
}

/** Matches a valid pattern (see `patternIssues`) against an event. */
export function matchPattern(pattern: EventPattern, event: unknown): PatternVerdict {
  const reason = mismatch(pattern, event, '');
  return reason === undefined ? { matches: true, reason: 'matched' } : { matches: false, reason };
}
