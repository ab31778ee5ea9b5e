import type { LocationTarget } from "../issue.js";
import type { ManifestPath } from "../path.js";
import { type SourceLocation, START_OF_FILE } from "../source-location.js";

/** Where a path's key and its value start. For array elements and table headers both are the same. */
export interface LocatedEntry {
  readonly key: SourceLocation;
  readonly value: SourceLocation;
}

/**
 * Maps manifest paths to source positions. Lookups fall back to the nearest ancestor the file spells out,
 * so a missing key is reported at its table and anything unknown at the start of the file.
 */
export class Locator {
  readonly #entries = new Map<string, LocatedEntry>();

  /** Records `path` unless it is already known (the first definition of a table is the one to point at). */
  add(path: ManifestPath, entry: LocatedEntry): void {
    const id = pathId(path);
    if (!this.#entries.has(id)) this.#entries.set(id, entry);
  }

  /** The position of `path` (its key or its value), or the value position of its nearest known ancestor. */
  locate(path: ManifestPath, target: LocationTarget = "value"): SourceLocation {
    const exact = this.#entries.get(pathId(path));
    if (exact) return exact[target];
    for (let length = path.length - 1; length > 0; length--) {
      const ancestor = this.#entries.get(pathId(path.slice(0, length)));
      if (ancestor) return ancestor.value;
    }
    return START_OF_FILE;
  }
}

function pathId(path: ManifestPath): string {
  return JSON.stringify(path);
}
