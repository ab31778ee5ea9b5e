import { formatPath, type ManifestPath } from "./path.js";
import type { SourceLocation } from "./source-location.js";

/** One problem in a manifest, pinned to the file, line and column it is about. */
export interface ManifestIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Dotted path of the key concerned, e.g. `plugins[0].experiments[1].variants[2].weight`; "" for the file. */
  readonly key: string;
  /** What is wrong and what would be valid. */
  readonly message: string;
}

/** Whether an issue points at a key itself (`wieght = 5` -> `wieght`) or at its value (-> `5`). */
export type LocationTarget = "key" | "value";

/** Anything that maps manifest paths to positions: a parsed {@link Manifest} is one. */
export interface Locatable {
  readonly file: string;
  /** The position of `path`, or of its nearest ancestor the file spells out. */
  locate(path: ManifestPath, target?: LocationTarget): SourceLocation;
}

/**
 * Builds the issue for a problem found at `path`, positioned through `manifest.locate`. The runtime uses it
 * for problems found after parsing: `issueAt(manifest, [...plugin.path, "source"], "cannot be loaded: ...")`.
 */
export function issueAt(
  manifest: Locatable,
  path: ManifestPath,
  message: string,
  target: LocationTarget = "value",
): ManifestIssue {
  const { line, column } = manifest.locate(path, target);
  return { file: manifest.file, line, column, key: formatPath(path), message };
}

/** `file:line:col: key: message` (the key part is left out when the issue is about the whole file). */
export function formatIssue(issue: ManifestIssue): string {
  const key = issue.key === "" ? "" : `${issue.key}: `;
  return `${issue.file}:${issue.line}:${issue.column}: ${key}${issue.message}`;
}

/** Orders issues by position, so they read top to bottom like the file. Stable for equal positions. */
export function compareIssues(a: ManifestIssue, b: ManifestIssue): number {
  return a.line - b.line || a.column - b.column;
}
