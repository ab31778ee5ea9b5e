import { BackendError } from "@assay/core";
import pg from "pg";
import { decodeStepValue, encodeStepValue, type MemoStore } from "./memo-store.js";

export interface PostgresMemoStoreOptions {
  /** A connection string (`postgres://user@host:5432/db`), or an existing pool (not closed by `close`). */
  readonly connection: string | pg.Pool;
  /** Prefix of the two tables. Default `assay_step`. Letters, digits and `_` only. */
  readonly tablePrefix?: string;
}

/**
 * The memo store of plain Node workers over PostgreSQL: selections and step outputs keyed by run id,
 * first-writer-wins through `INSERT ... ON CONFLICT DO NOTHING`, shared by every worker machine. The tables
 * are created on first use (under an advisory lock, so concurrent workers do not race).
 */
export class PostgresMemoStore implements MemoStore {
  readonly name = "postgres";
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly selections: string;
  private readonly outputs: string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresMemoStoreOptions) {
    const prefix = options.tablePrefix ?? "assay_step";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
      throw new RangeError(`tablePrefix must be letters, digits and _, got ${JSON.stringify(prefix)}`);
    }
    this.selections = `${prefix}_selections`;
    this.outputs = `${prefix}_outputs`;
    this.ownsPool = typeof options.connection === "string";
    this.pool =
      typeof options.connection === "string"
        ? new pg.Pool({ connectionString: options.connection, max: 4 })
        : options.connection;
  }

  init(): Promise<void> {
    this.ready ??= this.migrate().catch((cause) => {
      this.ready = undefined;
      throw new BackendError(`step memo store (postgres): could not create tables: ${cause.message}`, {
        cause,
      });
    });
    return this.ready;
  }

  async get(runId: string, experimentId: string): Promise<string | undefined> {
    const { rows } = await this.query<{ variant: string }>(
      "read a selection",
      `SELECT variant FROM ${this.selections} WHERE run_id = $1 AND experiment = $2`,
      [runId, experimentId],
    );
    return rows[0]?.variant;
  }

  async set(runId: string, experimentId: string, variant: string): Promise<string> {
    const { rows } = await this.query<{ variant: string }>(
      "store a selection",
      `WITH inserted AS (
         INSERT INTO ${this.selections} (run_id, experiment, variant) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING variant
       )
       SELECT variant FROM inserted
       UNION ALL
       SELECT variant FROM ${this.selections} WHERE run_id = $1 AND experiment = $2
       LIMIT 1`,
      [runId, experimentId, variant],
    );
    return rows[0]!.variant;
  }

  async getStep(runId: string, stepId: string): Promise<{ readonly value: unknown } | undefined> {
    const { rows } = await this.query<{ output: string }>(
      "read a step output",
      `SELECT output FROM ${this.outputs} WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId],
    );
    return rows[0] === undefined ? undefined : decodeStepValue(rows[0].output);
  }

  async setStep(runId: string, stepId: string, value: unknown): Promise<void> {
    await this.query(
      "store a step output",
      `INSERT INTO ${this.outputs} (run_id, step_id, output) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [runId, stepId, encodeStepValue(value)],
    );
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(
    what: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    await this.init();
    try {
      return await this.pool.query<R>(text, values);
    } catch (cause) {
      throw new BackendError(`step memo store (postgres): could not ${what}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.selections]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.selections} (
          run_id      TEXT NOT NULL,
          experiment  TEXT NOT NULL,
          variant     TEXT NOT NULL,
          selected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (run_id, experiment)
        );
        CREATE TABLE IF NOT EXISTS ${this.outputs} (
          run_id      TEXT NOT NULL,
          step_id     TEXT NOT NULL,
          output      TEXT NOT NULL,
          finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (run_id, step_id)
        );`);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
