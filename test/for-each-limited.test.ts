/** forEachLimited on its own: the bound on work in flight, the order items are taken in, an early stop and a failure. */
import { forEachLimited } from '../src/shared/limited';

/** Work that takes `ms`, recording the order items start in and the most in flight at once. */
function tracked(ms: number, fail?: (item: number) => boolean) {
  const seen = { started: [] as number[], finished: [] as number[], inFlight: 0, peak: 0 };
  const work = async (item: number): Promise<void> => {
    seen.started.push(item);
    seen.inFlight += 1;
    seen.peak = Math.max(seen.peak, seen.inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    seen.inFlight -= 1;
    if (fail?.(item)) throw new Error(`item ${item} failed`);
    seen.finished.push(item);
  };
  return { seen, work };
}

const items = Array.from({ length: 20 }, (_, i) => i);

test('every item is worked on once, in order, with at most `limit` in flight', async () => {
  const { seen, work } = tracked(5);
  await forEachLimited(items, 4, work);
  expect(seen.started).toEqual(items);
  expect([...seen.finished].sort((a, b) => a - b)).toEqual(items);
  expect(seen.peak).toBe(4);
});

test('a limit above the item count, and an empty list, work too', async () => {
  const { seen, work } = tracked(1);
  await forEachLimited([1, 2], 10, work);
  expect(seen.peak).toBe(2);
  await expect(forEachLimited([], 3, work)).resolves.toBeUndefined();
});

test('stop ends the run before the next item: items not taken are left undone', async () => {
  const { seen, work } = tracked(2);
  await forEachLimited(items, 2, work, () => seen.finished.length >= 5);
  // The two lanes each finish the item they hold; no item is taken once five are done.
  expect(seen.finished.length).toBeGreaterThanOrEqual(5);
  expect(seen.finished.length).toBeLessThanOrEqual(6);
  expect(seen.started).toEqual(items.slice(0, seen.started.length));
});

test('a failure rejects the run once the items in flight have settled, and no item is taken after it', async () => {
  const { seen, work } = tracked(5, (item) => item === 3);
  await expect(forEachLimited(items, 3, work)).rejects.toThrow('item 3 failed');
  expect(seen.inFlight).toBe(0);
  // Items 0–5 at most were taken: 3 fails while 4 and 5 are in flight, and nothing starts after.
  expect(Math.max(...seen.started)).toBeLessThanOrEqual(5);
  expect(seen.finished).not.toContain(3);
});
