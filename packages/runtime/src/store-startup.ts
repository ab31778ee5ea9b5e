import { BackendError, type EventStore } from "@assay/core";

/**
 * Runs `start` (the event store's `init`, then the sticky map's first load) until it succeeds or
 * `timeoutMs` has passed since the first attempt, waiting 100 ms, doubling to 2 s, between attempts: a
 * database that is restarting, or that starts after the app (containers started together), does not fail
 * the app's startup. Past the deadline it throws a BackendError naming the store, the time waited and the
 * last error (its cause), never before. `timeoutMs` 0 tries once.
 */
export async function startStore(
  store: EventStore,
  start: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await start();
      return;
    } catch (error) {
      const waited = Date.now() - started;
      if (waited >= timeoutMs) {
        throw new BackendError(
          `the ${store.name} event store could not start within ${timeoutMs} ms (${attempt + 1} attempts): ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        );
      }
      const delay = Math.min(2000, 100 * 2 ** attempt, timeoutMs - waited);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
