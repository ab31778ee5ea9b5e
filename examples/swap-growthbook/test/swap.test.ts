import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importGrowthBook, manifestToml } from "@assay/cli";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { describe, expect, it } from "vitest";
import { decide, renderHome } from "../src/app.js";
import { countMoved, visitorIds } from "../src/swap.js";

const DIR = join(import.meta.dirname, "..");
const GROWTHBOOK = join(DIR, "assay.growthbook.toml");
const LOCAL = join(DIR, "assay.local.toml");

describe("swapping GrowthBook for imported local hashing", () => {
  it("assay.local.toml is what `assay import growthbook growthbook.json` prints today", () => {
    const payload = JSON.parse(readFileSync(join(DIR, "growthbook.json"), "utf8"));
    expect(readFileSync(LOCAL, "utf8")).toBe(manifestToml(importGrowthBook(payload), "growthbook.json"));
  });

  it("100,000 visitors (half non-ASCII): nobody moves, in any experiment", async () => {
    const result = await countMoved(GROWTHBOOK, LOCAL, visitorIds(100_000));
    for (const [experiment, { moved, enrolled }] of Object.entries(result)) {
      expect(moved, experiment).toBe(0);
      expect(enrolled, experiment).toBeGreaterThan(40_000);
    }
  });

  it("the same pages render under both manifests", async () => {
    const open = (manifest: string) =>
      createAssay({ manifest, store: new MemoryEventStore(), handleSignals: false });
    const [gb, local] = [await open(GROWTHBOOK), await open(LOCAL)];
    try {
      for (const id of visitorIds(2_000, 7))
        expect(renderHome(decide(local, id))).toBe(renderHome(decide(gb, id)));
    } finally {
      await gb.close();
      await local.close();
    }
  });

  it("the count is not vacuous: Assay's native hashing on the same experiments moves most users", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-swap-"));
    const native = join(dir, "assay.toml");
    writeFileSync(native, readFileSync(LOCAL, "utf8").replace(/^hashing = .*$/gm, ""));
    const result = await countMoved(GROWTHBOOK, native, visitorIds(10_000));
    expect(result["checkout-button-color"]!.moved).toBeGreaterThan(3_000);
  });
});
