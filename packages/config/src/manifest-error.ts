import { compareIssues, formatIssue, type ManifestIssue } from "./issue.js";

/**
 * Thrown when a manifest does not validate. Carries every issue of the file, in line order; the message
 * is those issues formatted one per line (`file:line:col: key: message`).
 */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[]) {
    const sorted = Object.freeze([...issues].sort(compareIssues));
    super(sorted.length === 0 ? "invalid manifest" : sorted.map(formatIssue).join("\n"));
    this.issues = sorted;
  }
}

/** True for a {@link ManifestError}, also across module copies (checks `name` and `issues`). */
export function isManifestError(error: unknown): error is ManifestError {
  return (
    error instanceof ManifestError ||
    (error instanceof Error &&
      error.name === "ManifestError" &&
      Array.isArray((error as ManifestError).issues))
  );
}
