import { describe, expect, test } from "vitest";
import { isManifestError, parseManifest } from "../src/index.js";

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
