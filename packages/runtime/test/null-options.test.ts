import { ExperimentError } from "@assay/core";
import hashPlugin from "@assay/experiment-hash";
import flagsPlugin from "@assay/flags-local";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";

describe("null options from a JavaScript caller", () => {
  it("createAssay(null) is an ExperimentError (INVALID_CONTEXT), not a TypeError", async () => {
    for (const bad of [null, 42, "assay.toml"]) {
      const error = await createAssay(bad as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(ExperimentError.is(error), String(bad)).toBe(true);
      expect(error).toMatchObject({ code: "INVALID_CONTEXT" });
      expect((error as Error).message).toContain(
        `createAssay options must be an object or undefined, got ${bad}`,
      );
    }
  });

  it("a bundled plugin's validateOptions(null) reports a problem instead of throwing", () => {
    for (const plugin of [hashPlugin, flagsPlugin]) {
      expect(plugin.validateOptions?.(null as never)).toEqual([
        { key: "", message: "options must be a table, got null" },
      ]);
      expect(plugin.validateOptions?.({})).toEqual([]);
    }
  });
});
