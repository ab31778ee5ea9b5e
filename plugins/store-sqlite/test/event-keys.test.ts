import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { EventKeys } from "../src/event-keys.js";
import { migrate } from "../src/schema.js";

describe("EventKeys", () => {
  it("forgets the keys of a rolled-back transaction, whose numbers go to other keys", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:");
    const keys = new EventKeys(db);
    const a = { experiment: "e", code: 0, name: "a" };
    const b = { experiment: "e", code: 0, name: "b" };
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
      keys.resolve([
        { experiment: "ab", code: 0, name: "c" },
        { experiment: "a", code: 0, name: "bc" },
        { experiment: "a", code: 1, name: "bc" },
        { experiment: "a", code: 2, name: "bc" },
      ]),
    )();
    keys.committed();
    expect(new Set(resolved).size).toBe(4);
    // known keys resolve to the same rows without new ones
    expect(db.transaction(() => keys.resolve([{ experiment: "a", code: 1, name: "bc" }]))()).toEqual([
      resolved[2],
    ]);
    expect(db.prepare("SELECT count(*) FROM event_keys").pluck().get()).toBe(4);
  });
});
