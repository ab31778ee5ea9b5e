import { readFile } from "node:fs/promises";
import { allowsOutsideFiles } from "@assay/core";
import type { Manifest } from "./manifest.js";
import { ManifestError } from "./manifest-error.js";
import { type ParseOptions, parseManifest } from "./parse-manifest.js";

/**
 * Reads and parses the manifest at `path` (issues name the file as `path` is written). A file that cannot
 * be read, missing or a directory, is a {@link ManifestError} too, reported at line 1, column 1. `options.env`
 * selects the environment whose overrides apply (see {@link ParseOptions}).
 */
export async function loadManifest(path: string, options: ParseOptions = {}): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ManifestError([{ file: path, line: 1, column: 1, key: "", message: readFailure(error) }]);
  }
  return parseManifest(text, path, { checkFiles: true, allowOutsideFiles: allowsOutsideFiles(), ...options });
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "cannot read the manifest: no such file (create assay.toml or pass its path)";
  if (code === "EISDIR")
    return "cannot read the manifest: this is a directory; pass the path of the .toml file";
  return `cannot read the manifest: ${error instanceof Error ? error.message : String(error)}`;
}
