import { describe, expect, test } from "vitest";
import { formatIssue, manifestWarnings, parseManifest } from "../src/index.js";

const manifest = (variants: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
variants = [
${variants}
]
`;

const warnings = (variants: string) =>
  manifestWarnings(parseManifest(manifest(variants), "assay.toml")).map(formatIssue);

describe("weights of one experiment far apart", () => {
  test("0.5 beside 50 (a 1 % / 99 % split) warns at the smaller weight, with the split", () => {
    expect(
      warnings(`  { id = "control", weight = 0.5, is_control = true },\n  { id = "annual", weight = 50 },`),
    ).toEqual([
      "assay.toml:8:30: plugins[0].experiments[0].variants[0].weight: warning: weight 0.5 of `control` is 100× smaller than 50 of `annual` (a 0.99 % / 99 % split); if that is meant, ignore this (--strict makes it an error)",
    ]);
  });

  test("the smallest and the largest positive weights are compared, whichever variants they are", () => {
    const found = warnings(
      `  { id = "control", weight = 30, is_control = true },\n  { id = "a", weight = 3000 },\n  { id = "b", weight = 29 },`,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^assay\.toml:10:.*variants\[2\]\.weight: warning: weight 29 of `b` is 103× smaller than 3000 of `a`/,
    );
  });

  test("no warning below 100×, nor for a switched-off variant (weight 0)", () => {
    expect(
      warnings(`  { id = "control", weight = 1, is_control = true },\n  { id = "a", weight = 99 },`),
    ).toEqual([]);
    expect(
      warnings(
        `  { id = "control", weight = 50, is_control = true },\n  { id = "a", weight = 50 },\n  { id = "off", weight = 0 },`,
      ),
    ).toEqual([]);
    expect(
      warnings(`  { id = "control", weight = 5000, is_control = true },\n  { id = "a", weight = 5000 },`),
    ).toEqual([]);
  });
});
