import { describe, expect, test } from "vitest";
import { isManifestError, parseManifest } from "../src/index.js";
import { formattedIssues } from "./expectations.js";

const plugin = '[[plugins]]\nname = "p"\nsource = "s"\n';

describe("odd shapes are issues, never crashes", () => {
  test.each([
    ["plugins is a string", 'plugins = "x"', "plugins"],
    ["plugins holds scalars", 'plugins = [1, "a"]', "plugins[0]"],
    ["a plugin name is a date", '[[plugins]]\nname = 1979-05-27\nsource = "s"', "plugins[0].name"],
    ["experiments is a number", `${plugin}experiments = 3`, "plugins[0].experiments"],
    [
      "variants hold arrays",
      `${plugin}[[plugins.experiments]]\nid = "e"\nvariants = [[1, 2], [3]]`,
      "plugins[0].experiments[0].variants[0]",
    ],
    [
      "variants is a string",
      `${plugin}[[plugins.experiments]]\nid = "e"\nvariants = "a,b"`,
      "plugins[0].experiments[0].variants",
    ],
    [
      "a weight is a table",
      `${plugin}[[plugins.experiments]]\nid = "e"\nvariants = [{ id = "a", weight = { n = 1 }, is_control = true }, { id = "b", weight = 1 }]`,
      "plugins[0].experiments[0].variants[0].weight",
    ],
    [
      "a weight is boolean",
      `${plugin}[[plugins.experiments]]\nid = "e"\nvariants = [{ id = "a", weight = true, is_control = true }, { id = "b", weight = 1 }]`,
      "plugins[0].experiments[0].variants[0].weight",
    ],
    ["the top level key is odd", '"__proto__" = 1\n' + plugin, "__proto__"],
    [
      "a huge weight total",
      `${plugin}[[plugins.experiments]]\nid = "e"\nvariants = [{ id = "a", weight = 1e308, is_control = true }, { id = "b", weight = 1e308 }]`,
      "plugins[0].experiments[0].variants",
    ],
  ])("%s", (_name, text, key) => {
    let caught: unknown;
    try {
      parseManifest(text, "odd.toml");
    } catch (error) {
      caught = error;
    }
    expect(isManifestError(caught), String(caught)).toBe(true);
    const issues = (caught as { issues: ReadonlyArray<{ key: string }> }).issues;
    expect(issues.map((issue) => issue.key)).toContain(key);
  });
});

describe("names that events carry are ids every store keeps", () => {
  test("a NUL in an experiment id, a too long variant id and a too long metric, each at its line", () => {
    const long = "v".repeat(300);
    const issues = formattedIssues(`${plugin}
[[plugins.experiments]]
id = "checkout\\u0000"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "${long}", weight = 1 }]
analysis = { primary = ["${"m".repeat(257)}"], sequential = true }
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^assay\.toml:6:6: plugins\[0\]\.experiments\[0\]\.id: must not contain the NUL character \(U\+0000\), found at index 8/,
      ),
      expect.stringMatching(
        /^assay\.toml:7:71: plugins\[0\]\.experiments\[0\]\.variants\[1\]\.id: must be at most 256 characters, got 300: "v{40}…" \(a string\)$/,
      ),
      expect.stringMatching(
        /^assay\.toml:8:25: plugins\[0\]\.experiments\[0\]\.analysis\.primary\[0\]: must be at most 256 characters, got 257/,
      ),
    ]);
  });

  test("names at the limit, in any script, are taken", () => {
    const name = "é".repeat(256);
    const manifest = parseManifest(
      `${plugin}
[[plugins.experiments]]
id = "${name}"
variants = [{ id = "${name}", weight = 1, is_control = true }, { id = "😀", weight = 1 }]
`,
      "assay.toml",
    );
    expect(manifest.plugins[0]?.experiments[0]?.variants.map((v) => v.id)).toEqual([name, "😀"]);
  });
});
