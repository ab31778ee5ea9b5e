import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonLinesEventStore, MemoryEventStore } from "@assay/core";
import { testEventStore, testStickyStore, testSummaryNumerics } from "../src/index.js";

// The two simple stores of @assay/core run the shared suite here (core cannot depend on this package).
testEventStore("memory", { create: () => new MemoryEventStore() });
// the in-memory reference keeps a variance under a large mean too (two passes, compensated sums)
testSummaryNumerics("memory", { create: () => new MemoryEventStore() });
testStickyStore("memory", { create: async () => new MemoryEventStore() });

testEventStore("jsonl", {
  create: async () =>
    new JsonLinesEventStore(join(await mkdtemp(join(tmpdir(), "assay-jsonl-")), "events.jsonl")),
  reopen: async (store) => {
    await store.close?.();
    return new JsonLinesEventStore((store as JsonLinesEventStore).path);
  },
});
