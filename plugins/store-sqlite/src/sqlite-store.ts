import {
  type AppendResult,
  BackendError,
  type EventPack,
  type EventScanPage,
  type EventScanQuery,
  type EventStore,
  type ExperimentSummary,
  type StickyAssignment,
  type StickyAssignmentStore,
  type StickyQuery,
  type StoredEvent,
  type SummaryQuery,
  summaryFromRows,
} from "@assay/core";
import { retryBusy } from "./busy-retry.js";
import { ColumnPack, toColumns } from "./columns.js";
import type { SqliteEngine } from "./engine.js";
import {
  CallerThreadHost,
  type EngineHost,
  type EngineOp,
  type WriterSetup,
  WriterThreadHost,
} from "./engine-host.js";

export { SQLITE_SCHEMA_VERSION } from "./schema.js";

export interface SqliteEventStoreOptions {
  /** File of the database (created with its directory), or ":memory:". */
  readonly path: string;
  /**
   * "full" (default): every committed batch is fsynced before `append` resolves, so it survives a power cut.
   * "normal": survives a crash of the process (kill -9), may lose the last batches on power loss; faster.
   */
  readonly synchronous?: "full" | "normal";
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * How long a summary or a sticky read keeps retrying "database is locked" (another connection holding the
   * write lock past the busy timeout), with backoff, before it fails with that BackendError. Default 30,000 ms.
   */
  readonly readRetryMs?: number;
  /**
   * Fold new events into the per-unit rollups in the background, in steps of up to this many events, so a
   * summary finds them nearly current: once the writer has had no append for 20 ms; under sustained load,
   * once ten steps' worth are waiting, an append folds half of them before it is answered (see
   * background-fold.ts). A step holds the writer for 10 to 30 µs per event (less per event the larger the
   * step). Default 100,000 on the writer thread, 10,000 with
   * `thread: "caller"` (where a step blocks the event loop); 0 folds only when summarizing.
   */
  readonly rollupStep?: number;
  /**
   * Where SQLite works. "worker" (default): on a writer thread of this store, so inserts, fsyncs and folds
   * never hold the app's event loop and run beside it on another core. "caller": on the calling thread
   * (each commit and fold step blocks the event loop while it runs; no thread is started).
   */
  readonly thread?: "worker" | "caller";
}

/**
 * The embedded event store: one SQLite file in WAL mode (readers never block the writer), idempotent on
 * eventId (`ON CONFLICT DO NOTHING`), every batch one transaction. Summaries are computed by SQLite from
 * per-unit rollups and per-variant running totals (see rollups.ts) kept current incrementally, so their cost
 * grows with neither events nor units; only rows grouped by variant, metric and day reach JavaScript. The
 * database work runs on a writer thread by default (see engine-host.ts).
 */
export class SqliteEventStore implements EventStore, StickyAssignmentStore {
  readonly name = "sqlite";
  /** Four commits in flight behind the pipeline: the writer thread commits the ones waiting together. */
  readonly commitsInFlight = 4;
  readonly path: string;
  private readonly host: EngineHost;
  private closing: Promise<void> | undefined;
  private readonly readRetryMs: number;

  constructor(options: SqliteEventStoreOptions) {
    this.path = options.path;
    this.readRetryMs = options.readRetryMs ?? 30_000;
    const setup: WriterSetup = {
      engine: {
        path: options.path,
        ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
        ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
      },
      foldStep: options.rollupStep ?? (options.thread === "caller" ? 10_000 : 100_000),
    };
    this.host =
      options.thread === "caller" ? new CallerThreadHost(setup) : new WriterThreadHost(setup, writerScript());
  }

  /** Opens (creating or migrating) the database, so a broken path fails at startup. */
  async init(): Promise<void> {
    await this.call("openDatabase");
  }

  async append(batch: readonly StoredEvent[]): Promise<AppendResult> {
    if (this.closing !== undefined) throw this.closedError();
    if (batch.length === 0) return { inserted: 0, duplicates: 0 };
    const inserted = await this.call("append", toColumns(batch));
    return { inserted, duplicates: batch.length - inserted };
  }

  /** A pack of events in the writer thread's column form (see EventStore.createPack). */
  createPack(capacity: number): EventPack {
    return new ColumnPack(capacity);
  }

  /** Stores a pack from `createPack` in one transaction; the pack stays as it was (a retry sends it again). */
  async appendPack(pack: EventPack): Promise<AppendResult> {
    if (this.closing !== undefined) throw this.closedError();
    if (!(pack instanceof ColumnPack))
      throw new TypeError("appendPack takes a pack made by this store's createPack");
    if (pack.size === 0) return { inserted: 0, duplicates: 0 };
    const inserted = await this.call("append", pack.columns());
    return { inserted, duplicates: pack.size - inserted };
  }

  async summarize(query: SummaryQuery): Promise<ExperimentSummary> {
    const rows = await retryBusy(() => this.call("summaryRows", query), this.readRetryMs);
    return summaryFromRows(query.experiment, rows, {
      ...(query.daily === true ? { daily: true } : {}),
      ...(query.ratios === undefined ? {} : { ratios: query.ratios }),
      ...(query.capped === undefined ? {} : { capped: query.capped }),
      ...(query.windowed === undefined ? {} : { windowed: query.windowed }),
      ...(query.cuped === undefined ? {} : { cuped: query.cuped }),
      ...(query.quantiles === undefined ? {} : { quantiles: query.quantiles }),
      ...(query.breakdown === undefined ? {} : { breakdown: query.breakdown }),
    });
  }

  async flush(): Promise<void> {}

  /** Folds every event not yet in the rollups into them (summaries do it themselves; for benchmarks). */
  refreshRollups(): Promise<number> {
    return this.call("refreshAll");
  }

  /** Events stored but not yet folded into the rollups (a summary folds them first). */
  foldBacklog(): Promise<number> {
    return this.call("backlog");
  }

  /** Closes the database (after the calls already made) and stops the writer thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.host.close();
    return this.closing;
  }

  /** Every call goes through here: after `close` it fails, before it could start a new writer thread. */
  private async call<K extends EngineOp>(
    op: K,
    ...args: Parameters<SqliteEngine[K]>
  ): Promise<ReturnType<SqliteEngine[K]>> {
    if (this.closing !== undefined) throw this.closedError();
    return this.host.call(op, ...args);
  }

  private closedError(): BackendError {
    return new BackendError(`the SQLite store ${this.path} is closed`);
  }

  /** Stored first assignments of the given experiment versions (accepted at or after `since`). */
  loadStickyAssignments(query: StickyQuery): Promise<StickyAssignment[]> {
    return retryBusy(() => this.call("loadSticky", query), this.readRetryMs);
  }

  /** Stores first assignments in one transaction; a unit already stored for that version keeps its row. */
  saveStickyAssignments(rows: ReadonlyArray<Omit<StickyAssignment, "assignedAt">>): Promise<void> {
    return this.call("saveSticky", rows);
  }

  /** One page of an experiment's events in commit order, on the writer thread (see EventStore.scanEvents). */
  scanEvents(query: EventScanQuery): Promise<EventScanPage> {
    return retryBusy(() => this.call("scan", query), this.readRetryMs);
  }

  /** Events stored, of one experiment or all (a cheap check for tests and benchmarks). */
  count(experiment?: string): Promise<number> {
    return retryBusy(() => this.call("count", experiment), this.readRetryMs);
  }
}

/**
 * The writer thread's script, built beside this module. Run from the TypeScript sources (this package's own
 * tests), it is the built one in dist/: Node's workers do not load .ts files, and tests run after the build.
 */
function writerScript(): URL {
  const fromSources = import.meta.url.endsWith(".ts");
  return new URL(fromSources ? "../dist/writer-thread.js" : "./writer-thread.js", import.meta.url);
}
