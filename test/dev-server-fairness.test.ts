/**
 * npm start keeps its dev server database across starts, and fairness switched on (or off) for a queue
 * holding tasks would strand them: the database keeps the mode it was created with.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decideDevServerFairness, fairnessMarkerOf } from '../src/dev/dev-server-fairness';

let dir: string;
let db: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tw-fairness-'));
  db = path.join(dir, 'temporal.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a new database gets fairness as asked, and the marker records it', () => {
  expect(decideDevServerFairness(db, true)).toEqual({ fairness: true });
  expect(existsSync(fairnessMarkerOf(db))).toBe(true);
  writeFileSync(db, ''); // the server created it
  expect(decideDevServerFairness(db, true)).toEqual({ fairness: true });
});

test('a database created before fairness existed, or without it, keeps it off and says why', () => {
  writeFileSync(db, '');
  const decided = decideDevServerFairness(db, true);
  expect(decided.fairness).toBe(false);
  expect(decided.note).toMatch(/fairness stays off: temporal\.db was created without it.*remove temporal\.db/);
  expect(existsSync(fairnessMarkerOf(db))).toBe(false);
  expect(decideDevServerFairness(db, false)).toEqual({ fairness: false });
});

test('a database created with fairness keeps it on when TEMPORAL_FAIRNESS=false, and says why', () => {
  decideDevServerFairness(db, true);
  writeFileSync(db, '');
  const decided = decideDevServerFairness(db, false);
  expect(decided.fairness).toBe(true);
  expect(decided.note).toMatch(/fairness stays on: temporal\.db was created with it/);
  expect(existsSync(fairnessMarkerOf(db))).toBe(true);
});

test('a marker left without its database is not taken for the next one', () => {
  decideDevServerFairness(db, true);
  expect(decideDevServerFairness(db, false)).toEqual({ fairness: false });
  expect(existsSync(fairnessMarkerOf(db))).toBe(false);
  writeFileSync(db, '');
  expect(decideDevServerFairness(db, true).fairness).toBe(false);
});
