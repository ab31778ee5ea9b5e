import { describe, expect, test } from "vitest";
import { formatIssue, issueAt, optionIssue, parseManifest } from "../src/index.js";
import { indexSource } from "../src/locate/index-source.js";

const text = [
  "[[plugins]]", //                                  1
  'name = "events"', //                              2
  'source = "@assay/store-sqlite"', //               3
  'options = { path = ".assay/events.db", retry.max = 3 }', // 4
  "", //                                             5
  "[[plugins]]", //                                  6
  'name = "experiment-hash"', //                     7
  'source = "@assay/experiment-hash"', //            8
  "", //                                             9
  "[plugins.options.cache]", //                      10
  "size = 10", //                                    11
  "", //                                             12
  "[[plugins.experiments]]", //                      13
  'id = "checkout"', //                              14
  "variants = [", //                                 15
  '  { id = "control", weight = 50, is_control = true },', // 16
  '  { id = "treatment", weight = 50 },', //        17
  "]", //                                            18
].join("\n");

describe("locate", () => {
  const manifest = parseManifest(text, "assay.toml");

  test("values and keys of written paths", () => {
    expect(manifest.locate(["plugins", 0, "source"])).toEqual({ line: 3, column: 10 });
    expect(manifest.locate(["plugins", 0, "source"], "key")).toEqual({ line: 3, column: 1 });
    expect(manifest.locate(["plugins", 0, "options", "path"])).toEqual({ line: 4, column: 20 });
    expect(manifest.locate(["plugins", 0, "options", "path"], "key")).toEqual({ line: 4, column: 13 });
  });

  test("dotted keys inside inline tables", () => {
    expect(manifest.locate(["plugins", 0, "options", "retry", "max"])).toEqual({ line: 4, column: 52 });
    expect(manifest.locate(["plugins", 0, "options", "retry"], "key")).toEqual({ line: 4, column: 40 });
  });

  test("tables defined by a header, and keys inside them", () => {
    expect(manifest.locate(["plugins", 1, "options", "cache"])).toEqual({ line: 10, column: 1 });
    expect(manifest.locate(["plugins", 1, "options", "cache"], "key")).toEqual({ line: 10, column: 18 });
    expect(manifest.locate(["plugins", 1, "options", "cache", "size"])).toEqual({ line: 11, column: 8 });
  });

  test("array-of-tables entries and multi-line arrays of inline tables", () => {
    expect(manifest.locate(["plugins", 1])).toEqual({ line: 6, column: 1 });
    expect(manifest.locate(["plugins", 1, "experiments", 0])).toEqual({ line: 13, column: 1 });
    expect(manifest.locate(["plugins", 1, "experiments", 0, "variants", 1])).toEqual({ line: 17, column: 3 });
    expect(manifest.locate(["plugins", 1, "experiments", 0, "variants", 1, "weight"])).toEqual({
      line: 17,
      column: 32,
    });
  });

  test("paths not written fall back to the nearest written ancestor", () => {
    expect(manifest.locate(["plugins", 0, "options", "nope"])).toEqual({ line: 4, column: 11 });
    expect(manifest.locate(["plugins", 1, "options", "nope"], "key")).toEqual({ line: 10, column: 10 });
    expect(manifest.locate(["plugins", 1, "experiments", 0, "salt"])).toEqual({ line: 13, column: 1 });
    expect(manifest.locate(["plugins", 7])).toEqual({ line: 1, column: 3 });
    expect(manifest.locate([])).toEqual({ line: 1, column: 1 });
  });

  test("plugin entries carry their path and location", () => {
    const plugin = manifest.plugins[1]!;
    expect(plugin.path).toEqual(["plugins", 1]);
    expect(plugin.location).toEqual({ line: 6, column: 1 });
    expect(plugin.options).toEqual({ cache: { size: 10 } });
  });

  test("issueAt reports a later problem (an option the plugin rejects) at its key", () => {
    const plugin = manifest.plugins[0]!;
    const issue = issueAt(manifest, [...plugin.path, "options", "retry", "max"], "must be at most 2, got 3");
    expect(issue).toEqual({
      file: "assay.toml",
      line: 4,
      column: 52,
      key: "plugins[0].options.retry.max",
      message: "must be at most 2, got 3",
    });
    const unknown = issueAt(manifest, [...plugin.path, "options", "path"], "unknown option", "key");
    expect(formatIssue(unknown)).toBe("assay.toml:4:13: plugins[0].options.path: unknown option");
  });

  test("optionIssue maps a plugin's dotted option key to its position", () => {
    const plugin = manifest.plugins[0]!;
    expect(optionIssue(manifest, plugin, { key: "retry.max", message: "too many" })).toEqual({
      file: "assay.toml",
      line: 4,
      column: 46,
      key: "plugins[0].options.retry.max",
      message: "too many",
    });
    expect(optionIssue(manifest, manifest.plugins[1]!, { key: "url", message: "required" })).toMatchObject({
      line: 10,
      column: 10,
      key: "plugins[1].options.url",
    });
    expect(optionIssue(manifest, plugin, { key: "", message: "bad" })).toMatchObject({ line: 4, column: 1 });
  });
});

describe("positions in unusual files", () => {
  test("CRLF line endings", () => {
    const crlf = 'x = 1\r\n[[plugins]]\r\nname = "a"\r\nsource = "b"\r\n'.replace("x = 1\r\n", "");
    const manifest = parseManifest(crlf, "crlf.toml");
    expect(manifest.locate(["plugins", 0, "source"])).toEqual({ line: 3, column: 10 });
  });

  test("a byte order mark does not shift columns", () => {
    const manifest = parseManifest('\uFEFF[[plugins]]\nname = "a"\nsource = "b"\n', "bom.toml");
    expect(manifest.locate(["plugins", 0, "name"])).toEqual({ line: 2, column: 8 });
  });

  test("TOML 1.1 inline tables spread over several lines", () => {
    const multiline = [
      "[[plugins]]",
      'name = "h"',
      'source = "s"',
      "[[plugins.experiments]]",
      'id = "e"',
      "variants = [",
      "  {",
      '    id = "control",',
      "    weight = -1,",
      "    is_control = true,",
      "  },",
      '  { id = "t", weight = 1 },',
      "]",
    ].join("\n");
    expect(() => parseManifest(multiline, "m.toml")).toThrowError(
      /^m\.toml:9:14: plugins\[0\]\.experiments\[0\]\.variants\[0\]\.weight: must be a finite number >= 0/,
    );
  });

  test("keys that need quotes are quoted in the issue key", () => {
    const quoted = '[[plugins]]\nname = "a"\nsource = "b"\n"odd key" = 1\n';
    expect(() => parseManifest(quoted, "q.toml")).toThrowError(
      'q.toml:4:1: plugins[0]."odd key": unknown key `odd key` in plugin; valid keys: `name`, `source`, `options`, `experiments`',
    );
  });
});

describe("when the locating parse fails", () => {
  test("every lookup falls back to the start of the file", () => {
    const locator = indexSource("this is [not toml");
    expect(locator.locate(["plugins", 0, "name"])).toEqual({ line: 1, column: 1 });
    expect(locator.locate(["plugins"], "key")).toEqual({ line: 1, column: 1 });
  });
});
