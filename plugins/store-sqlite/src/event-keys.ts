import type Database from "better-sqlite3";
import type { BatchKey } from "./columns.js";

/**
 * The writer's map from (experiment, code, name) to the rows of `event_keys`. A key row never changes once
 * committed, so every key seen committed is kept in memory and an append looks up only the keys it has not
 * seen (one per new variant or metric). Keys made inside a transaction are kept apart until it commits: a
 * rolled-back key row does not exist, and its number may be given to another one.
 */
export class EventKeys {
  private readonly known = new Map<string, number>();
  private readonly made = new Map<string, number>();
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      "INSERT INTO event_keys (experiment, code, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    this.select = db
      .prepare("SELECT key FROM event_keys WHERE experiment = ? AND code = ? AND name = ?")
      .pluck();
  }

  /** The key rows of a batch's keys, made where missing. Call inside the write transaction. */
  resolve(keys: readonly BatchKey[]): number[] {
    return keys.map((k) => {
      // the experiment's length first, so no two (experiment, name) pairs give the same string
      const id = `${k.code}:${k.experiment.length}:${k.experiment}${k.name}`;
      let key = this.known.get(id) ?? this.made.get(id);
      if (key === undefined) {
        this.insert.run(k.experiment, k.code, k.name);
        key = this.select.get(k.experiment, k.code, k.name) as number;
        this.made.set(id, key);
      }
      return key;
    });
  }

  /** The transaction that made keys committed: they are known from now on. */
  committed(): void {
    for (const [id, key] of this.made) this.known.set(id, key);
    this.made.clear();
  }

  /** The transaction that made keys rolled back: forget them. */
  rolledBack(): void {
    this.made.clear();
  }
}
