/** Polls `condition` every 5 ms until it holds; throws after `ms` (default 3 s), so a test fails instead of hanging. */
export async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for a condition`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
