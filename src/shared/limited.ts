/** Work over a list with a bound on how many items are in flight at once. Free of Node built-ins. */

/**
 * Runs `work` on each of `items`, at most `limit` at once, taking them in order. `stop`, asked before each
 * new item, ends the run early: items not taken by then are left undone. A rejection of `work` rejects the
 * run once the items in flight have settled, and no new item is taken after it.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed && !stop()) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = Array.from({ length: Math.max(Math.min(limit, items.length), 0) }, lane);
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}
