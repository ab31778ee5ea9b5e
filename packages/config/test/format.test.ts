import { describe, expect, test } from "vitest";
import { formatIssue, formatPath, isManifestError, ManifestError } from "../src/index.js";

describe("formatPath", () => {
  test("dotted keys and indexes", () => {
    expect(formatPath(["plugins", 0, "experiments", 1, "variants", 2, "weight"])).toBe(
      "plugins[0].experiments[1].variants[2].weight",
    );
    expect(formatPath(["plugins", 0, "options", "cache dir"])).toBe('plugins[0].options."cache dir"');
    expect(formatPath([])).toBe("");
  });
});

describe("ManifestError", () => {
  const issue = (line: number, column: number, key: string) => ({
    file: "assay.toml",
    line,
    column,
    key,
    message: "bad",
  });

  test("sorts issues by position and formats one per line", () => {
    const error = new ManifestError([issue(9, 2, "b"), issue(3, 7, "a"), issue(9, 1, "c")]);
    expect(error.name).toBe("ManifestError");
    expect(error).toBeInstanceOf(Error);
    expect(error.issues.map((i) => i.key)).toEqual(["a", "c", "b"]);
    expect(error.message).toBe("assay.toml:3:7: a: bad\nassay.toml:9:1: c: bad\nassay.toml:9:2: b: bad");
    expect(isManifestError(error)).toBe(true);
    expect(isManifestError(new Error("x"))).toBe(false);
  });

  test("an issue about the whole file has no key part", () => {
    expect(
      formatIssue({ file: "a.toml", line: 4, column: 9, key: "", message: "TOML syntax error: x" }),
    ).toBe("a.toml:4:9: TOML syntax error: x");
  });
});
