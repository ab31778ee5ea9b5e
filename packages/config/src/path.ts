/** A position in the manifest's value tree: table keys and array indexes, from the top level down. */
export type ManifestPath = ReadonlyArray<string | number>;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Renders a path the way issues name keys: `plugins[0].experiments[1].variants[2].weight`. Keys that are
 * not bare TOML keys are quoted (`options."cache dir"`). The empty path (the whole document) renders as "".
 */
export function formatPath(path: ManifestPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = BARE_KEY.test(segment) ? segment : JSON.stringify(segment);
      out += out === "" ? key : `.${key}`;
    }
  }
  return out;
}
