import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BackendError } from "@assay/core";
import type Database from "better-sqlite3";
import { decodeStepValue, encodeStepValue, type MemoStore } from "./memo-store.js";
import { loadOptionalPeer, MissingPeerDependencyError } from "./optional-peer.js";

export { MissingPeerDependencyError } from "./optional-peer.js";

export interface SqliteMemoStoreOptions {
  /**
   * The database file (created with its directory), or ":memory:". Pointing it at the event store's file
   * (`.assay/events.db` by default) keeps memos beside the events; the tables are separate.
   */
  readonly path: string;
  /** How long a writer waits for another process's lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * "full" (default): every write is fsynced before it resolves. "normal": survives a crash of the process,
   * may lose the last writes on power loss (a run then selects or runs that step again); much faster.
   */
  readonly synchronous?: "full" | "normal";
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS assay_step_selections (
    run_id      TEXT NOT NULL,
    experiment  TEXT NOT NULL,
    variant     TEXT NOT NULL,
    selected_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, experiment)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS assay_step_outputs (
    run_id      TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    output      TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, step_id)
  ) WITHOUT ROWID;
`;

/**
 * The memo store of plain Node workers over SQLite (better-sqlite3, WAL): selections and step outputs keyed
 * by run id, first-writer-wins through `INSERT ... ON CONFLICT DO NOTHING`, so several worker processes can
 * share one file.
 */
export class SqliteMemoStore implements MemoStore {
  readonly name = "sqlite";
  readonly path: string;
  private db: Database.Database | undefined;
  private statements:
    | {
        get: Database.Statement<[string, string], { variant: string }>;
        insert: Database.Statement<[string, string, string, number]>;
        getStep: Database.Statement<[string, string], { output: string }>;
        insertStep: Database.Statement<[string, string, string, number]>;
      }
    | undefined;

  constructor(private readonly options: SqliteMemoStoreOptions) {
    this.path = options.path;
  }

  async init(): Promise<void> {
    this.open();
  }

  async get(runId: string, experimentId: string): Promise<string | undefined> {
    return this.guard("read a selection", () => this.open().get.get(runId, experimentId)?.variant);
  }

  async set(runId: string, experimentId: string, variant: string): Promise<string> {
    return this.guard("store a selection", () => {
      const s = this.open();
      s.insert.run(runId, experimentId, variant, Date.now());
      return s.get.get(runId, experimentId)!.variant;
    });
  }

  async getStep(runId: string, stepId: string): Promise<{ readonly value: unknown } | undefined> {
    return this.guard("read a step output", () => {
      const row = this.open().getStep.get(runId, stepId);
      return row === undefined ? undefined : decodeStepValue(row.output);
    });
  }

  async setStep(runId: string, stepId: string, value: unknown): Promise<void> {
    const text = encodeStepValue(value);
    this.guard("store a step output", () => this.open().insertStep.run(runId, stepId, text, Date.now()));
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      if (cause instanceof MissingPeerDependencyError) throw cause;
      throw new BackendError(`step memo store ${this.path}: could not ${what}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  private open(): NonNullable<SqliteMemoStore["statements"]> {
    if (this.statements !== undefined) return this.statements;
    if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
    // better-sqlite3 is an optional peer: loaded on first use, so workers on PostgreSQL never need it.
    const Sqlite = loadOptionalPeer<typeof Database>(
      "better-sqlite3",
      "SqliteMemoStore (@assay/steps/sqlite)",
    );
    const db = new Sqlite(this.path);
    db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${this.options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    db.exec(SCHEMA);
    this.db = db;
    this.statements = {
      get: db.prepare("SELECT variant FROM assay_step_selections WHERE run_id = ? AND experiment = ?"),
      insert: db.prepare(
        "INSERT INTO assay_step_selections (run_id, experiment, variant, selected_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ),
      getStep: db.prepare("SELECT output FROM assay_step_outputs WHERE run_id = ? AND step_id = ?"),
      insertStep: db.prepare(
        "INSERT INTO assay_step_outputs (run_id, step_id, output, finished_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ),
    };
    return this.statements;
  }
}
