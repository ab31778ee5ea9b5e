import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testSummaryNumerics } from "@assay/testing";
import { SqliteEventStore } from "../src/index.js";

const tempPath = async () => join(await mkdtemp(join(tmpdir(), "assay-sqlite-numerics-")), "events.db");

/** Folds after every append, so the running totals are built step by step (contributions out and back in). */
class RefreshingStore extends SqliteEventStore {
  override async append(batch: Parameters<SqliteEventStore["append"]>[0]) {
    const result = await super.append(batch);
    await this.refreshRollups();
    return result;
  }
}

testSummaryNumerics("sqlite", {
  create: async () => new SqliteEventStore({ path: await tempPath(), synchronous: "normal" }),
});
testSummaryNumerics("sqlite, rollups folded after every append", {
  create: async () => new RefreshingStore({ path: await tempPath(), rollupStep: 0, synchronous: "normal" }),
});
