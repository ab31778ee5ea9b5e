import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { BatchKey } from "../src/columns.js";
import { EventKeys } from "../src/event-keys.js";
import { migrate } from "../src/schema.js";

function key(
  experiment: string,
  code: number,
  name: string,
  environment = "default",
  phase = 1,
  manifestVersion = "",
): BatchKey {
  return { experiment, code, name, environment, phase, manifestVersion };
}

describe("EventKeys", () => {
  it("forgets the keys of a rolled-back transaction, whose numbers go to other keys", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:");
    const keys = new EventKeys(db);
    const a = key("e", 0, "a");
    const b = key("e", 0, "b");
    expect(() =>
      db.transaction(() => {
        keys.resolve([a]);
        throw new Error("the batch failed");
      })(),
    ).toThrow("the batch failed");
    keys.rolledBack();
    // b now takes the number a had for a moment; a gets a row of its own
    const [kb] = db.transaction(() => keys.resolve([b]))();
    keys.committed();
    const [ka] = db.transaction(() => keys.resolve([a]))();
    keys.committed();
    expect(ka).not.toBe(kb);
    const rows = db.prepare("SELECT key, name FROM event_keys ORDER BY key").raw().all();
    expect(rows).toEqual([
      [kb, "b"],
      [ka, "a"],
    ]);
  });

  it("keeps apart names that would run together, and the codes of one name", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:");
    const keys = new EventKeys(db);
    const resolved = db.transaction(() =>
      keys.resolve([key("ab", 0, "c"), key("a", 0, "bc"), key("a", 1, "bc"), key("a", 2, "bc")]),
    )();
    keys.committed();
    expect(new Set(resolved).size).toBe(4);
    // known keys resolve to the same rows without new ones
    expect(db.transaction(() => keys.resolve([key("a", 1, "bc")]))()).toEqual([resolved[2]]);
    expect(db.prepare("SELECT count(*) FROM event_keys").pluck().get()).toBe(4);
  });

  it("keeps apart the environments, phases and manifest versions of one variant, each with its scope", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:");
    const keys = new EventKeys(db);
    const resolved = db.transaction(() =>
      keys.resolve([
        key("e", 0, "a"),
        key("e", 0, "a", "staging"),
        key("e", 0, "a", "default", 2),
        key("e", 0, "a", "default", 1, "sha256:0123456789abcdef"),
        key("e", 0, "a", "default", 1, "sha256:fedcba9876543210"),
      ]),
    )();
    keys.committed();
    expect(new Set(resolved).size).toBe(5);
    const scopes = db.prepare("SELECT scope FROM event_keys ORDER BY key").pluck().all();
    expect(scopes).toEqual([
      "e\u001fdefault\u001f1",
      "e\u001fstaging\u001f1",
      "e\u001fdefault\u001f2",
      "e\u001fdefault\u001f1",
      "e\u001fdefault\u001f1",
    ]);
  });
});
