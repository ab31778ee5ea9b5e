import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatIssue, isManifestError, type ManifestIssue, parseManifest } from "../src/index.js";
import { matches, readExpectations } from "./expectations.js";

const dir = new URL("fixtures/invalid/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith(".toml"))
  .sort();

function issuesOf(text: string, file: string): readonly ManifestIssue[] {
  try {
    parseManifest(text, file);
  } catch (error) {
    if (isManifestError(error)) return error.issues;
    throw error;
  }
  throw new Error(`${file} parsed without issues`);
}

describe("invalid manifests", () => {
  test("there is a fixture for each kind of mistake", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  test.each(fixtures)("%s reports exactly its expected issues", (name) => {
    const text = readFileSync(new URL(name, dir), "utf8");
    const expected = readExpectations(text);
    expect(expected.length, "fixture has # expect lines").toBeGreaterThan(0);
    const issues = issuesOf(text, `fixtures/invalid/${name}`);
    const shown = issues.map(formatIssue).join("\n");
    expect(issues.length, shown).toBe(expected.length);
    issues.forEach((issue, i) => {
      expect(
        matches(issue, expected[i]!),
        `issue ${i}:\n${formatIssue(issue)}\nexpected ${JSON.stringify(expected[i])}`,
      ).toBe(true);
      expect(issue.file).toBe(`fixtures/invalid/${name}`);
    });
  });

  test("the error message lists every issue as file:line:col: key: message, in line order", () => {
    const text = readFileSync(new URL("many-mistakes.toml", dir), "utf8");
    let caught: unknown;
    try {
      parseManifest(text, "assay.toml");
    } catch (error) {
      caught = error;
    }
    expect(isManifestError(caught)).toBe(true);
    const error = caught as Error & { issues: readonly ManifestIssue[] };
    expect(error.name).toBe("ManifestError");
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(
      'assay.toml:8:32: plugins[0].experiments[0].variants[0].weight: must be a finite number >= 0 (weights are relative: 50/50, 90/10, or basis points 5000/5000), got "50" (a string); write the number without quotes: 50',
    );
    expect(lines[1]).toBe(
      "assay.toml:9:23: plugins[0].experiments[0].variants[1].wieght: unknown key `wieght` in variant; did you mean `weight`?",
    );
    const positions = error.issues.map((issue) => issue.line * 1000 + issue.column);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
