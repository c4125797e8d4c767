// How long a delivery held back by a busy endpoint waits: cut short near the end of its window.
import { FINAL_CHECK_MARGIN_MS, heldBackDelay } from '../src/activities/attempt/outcome';

test('a wait that would end past the window is cut to leave one last look inside it', () => {
  expect(heldBackDelay(3_000, 20_000)).toBe(3_000);
  expect(heldBackDelay(8_000, 5_000)).toBe(5_000 - FINAL_CHECK_MARGIN_MS);
  // Too little room left for another look: the wait stands and the window closes.
  expect(heldBackDelay(8_000, 1_500)).toBe(8_000);
});
