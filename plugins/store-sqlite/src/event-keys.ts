import { scopeKey } from "@assay/core";
import type Database from "better-sqlite3";
import type { BatchKey } from "./columns.js";

/**
 * The writer's map from (experiment, code, name, environment, phase, manifest version) to the rows of `event_keys`. A key row never changes once
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
      `INSERT INTO event_keys (experiment, code, name, environment, phase, manifest_version, scope)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.select = db
      .prepare(
        `SELECT key FROM event_keys WHERE experiment = ? AND code = ? AND name = ? AND environment = ?
         AND phase = ? AND manifest_version = ?`,
      )
      .pluck();
  }

  /** The key rows of a batch's keys, made where missing. Call inside the write transaction. */
  resolve(keys: readonly BatchKey[]): number[] {
    return keys.map((k) => {
      // the lengths first, so no two keys give the same string (environment names hold no ":")
      const id = `${k.code}:${k.phase}:${k.environment}:${k.experiment.length}:${k.name.length}:${k.experiment}${k.name}${k.manifestVersion}`;
      let key = this.known.get(id) ?? this.made.get(id);
      if (key === undefined) {
        const where = [k.experiment, k.code, k.name, k.environment, k.phase, k.manifestVersion] as const;
        this.insert.run(...where, scopeKey(k.experiment, k.environment, k.phase));
        key = this.select.get(...where) as number;
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
