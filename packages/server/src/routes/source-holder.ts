import type { DashboardSource, OpenSource } from "../source.js";

/** The event store could not be opened: every page but `/healthz` answers 503 and says why. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  readonly statusCode = 503;
}

/** Opens the source at the first request and keeps it; after a failure the next request tries again. */
export class SourceHolder {
  #pending: Promise<DashboardSource> | undefined;

  constructor(private readonly open: OpenSource) {}

  async get(): Promise<DashboardSource> {
    this.#pending ??= this.open();
    try {
      return await this.#pending;
    } catch (error) {
      this.#pending = undefined;
      const why = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`the event store cannot be opened: ${why}`, { cause: error });
    }
  }

  /** The source if it was opened, for closing it. */
  async opened(): Promise<DashboardSource | undefined> {
    try {
      return await this.#pending;
    } catch {
      return undefined;
    }
  }
}
