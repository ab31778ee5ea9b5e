import type { ManifestPath } from "../path.js";
import type { CheckContext } from "../schema/check.js";

/** A value that must be unique, and where it is written. */
export interface Occurrence {
  readonly value: string;
  readonly path: ManifestPath;
}

/**
 * Reports every occurrence after the first of a repeated value, at that occurrence, naming the line of
 * the first. `what` names the value in the message ("variant id").
 */
export function reportDuplicates(
  occurrences: Iterable<Occurrence>,
  ctx: CheckContext,
  what: string,
  scope: string,
): void {
  const first = new Map<string, ManifestPath>();
  for (const { value, path } of occurrences) {
    const earlier = first.get(value);
    if (earlier === undefined) {
      first.set(value, path);
      continue;
    }
    const line = ctx.locate(earlier).line;
    ctx.report(
      path,
      `duplicate ${what} \`${value}\`, first declared on line ${line}; ${what}s must be unique ${scope}`,
    );
  }
}
