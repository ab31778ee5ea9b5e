/**
 * Flushes before the process exits on SIGTERM (and SIGINT). If the app has its own handler for the signal,
 * the app decides when to exit; otherwise the signal is raised again once the flush is done, so the process
 * ends the way it would have without Assay (exit code 143 for SIGTERM).
 * Returns a function that removes the handlers.
 */
export function flushOnSignals(
  close: () => Promise<void>,
  signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const remove = () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of signals) {
    const handler = () => {
      remove();
      close()
        .catch((error: unknown) => console.error(`assay: flushing on ${signal} failed:`, error))
        .finally(() => {
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return remove;
}
