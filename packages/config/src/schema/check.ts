import type { LocationTarget } from "../issue.js";
import type { ManifestPath } from "../path.js";
import { type SourceLocation, START_OF_FILE } from "../source-location.js";
import type { MetricDefinition } from "./metric-schema.js";

/** What checks and rules see while validating: somewhere to report, and positions for cross-references. */
export interface CheckContext {
  /** Records an issue at `path` (its value unless `target` is "key"). */
  report(path: ManifestPath, message: string, target?: LocationTarget): void;
  /** The position of `path` or its nearest written ancestor, e.g. to say where a duplicate was first seen. */
  locate(path: ManifestPath, target?: LocationTarget): SourceLocation;
  /**
   * Records an issue at character `offset` of the string value at `path`, when the file spells that string
   * on one line with nothing escaped before the character (so the column is exact); otherwise at the value.
   */
  reportInString?(path: ManifestPath, offset: number, message: string): void;
  /** The selected environment, whose `env.<name>` blocks are applied; undefined: none (the base values). */
  readonly env?: string | undefined;
  /** The manifest's directory, for files a manifest names (a Statsig payload); undefined: do not read files. */
  readonly dir?: string | undefined;
  /** Files the manifest names may lie outside `dir` (the operator allowed it; see readContainedFile). */
  readonly allowOutsideFiles?: boolean | undefined;
  /** The manifest's valid `[[metrics]]` definitions by name, which analysis plans refer to. */
  readonly metrics?: ReadonlyMap<string, MetricDefinition> | undefined;
}

/** Returned by a check whose value was reported as invalid. */
export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

/**
 * Validates and converts one raw TOML value found at `path`. On a problem it reports (once, at the most
 * precise path it can) and returns {@link INVALID}.
 */
export type Check<T> = (value: unknown, path: ManifestPath, ctx: CheckContext) => T | Invalid;

const SILENT: CheckContext = { report: () => {}, locate: () => START_OF_FILE };

/** Runs `check` without reporting: the value if valid, otherwise undefined. Rules use it to read siblings. */
export function peek<T>(check: Check<T>, value: unknown): T | undefined {
  const result = check(value, [], SILENT);
  return result === INVALID ? undefined : result;
}
