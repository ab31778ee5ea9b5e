import { formatIssue, isManifestError, type ManifestIssue, parseManifest } from "../src/index.js";

/** The issues `parseManifest` reports for `source` (as assay.toml), formatted as the CLI prints them. */
export function formattedIssues(source: string): string[] {
  try {
    parseManifest(source, "assay.toml");
  } catch (error) {
    if (isManifestError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

/** One `# expect LINE:COL KEY: TEXT` comment of an invalid fixture (see fixtures/README.md). */
export interface Expectation {
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly parts: readonly string[];
}

const EXPECT = /^# expect (\d+):(\d+) (\S*): (.+)$/;

export function readExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = EXPECT.exec(line);
    if (!match) continue;
    const [, l, c, key, rest] = match;
    out.push({ line: Number(l), column: Number(c), key: key!, parts: rest!.split(" ... ") });
  }
  return out;
}

/** True when the issue is at the expected place and its message holds the expected parts, in order. */
export function matches(issue: ManifestIssue, expected: Expectation): boolean {
  if (issue.line !== expected.line || issue.column !== expected.column || issue.key !== expected.key)
    return false;
  let from = 0;
  for (const part of expected.parts) {
    const at = issue.message.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}
