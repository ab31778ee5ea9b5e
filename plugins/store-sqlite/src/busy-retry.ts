/**
 * SQLite answers "database is locked" (SQLITE_BUSY) when another connection (another process or instance on
 * the same file) holds the write lock longer than the busy timeout; a summary needs that lock too, to fold new
 * events into the rollups first. Readers retry it, with backoff and jitter, within `retryMs` of the first try;
 * writes are retried by the pipeline instead. The message is all that crosses the writer thread's boundary.
 */
export function isBusy(error: unknown): boolean {
  return /database is (locked|busy)|SQLITE_BUSY/i.test((error as Error)?.message ?? "");
}

export async function retryBusy<T>(work: () => Promise<T>, retryMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (!isBusy(error) || Date.now() - started + delay > retryMs) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
