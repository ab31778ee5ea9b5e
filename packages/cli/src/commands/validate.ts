import { formatIssue, isManifestError, loadManifest } from "@assay/config";
import { loadPlugins } from "@assay/runtime";
import { EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { manifestPath } from "./manifest-path.js";

/**
 * `assay validate [PATH]`: parses the manifest, then loads every plugin it names and lets each check its
 * options. Exit 0 when valid; exit 1 with one `file:line:col: key: message` line per problem on stderr.
 */
export async function validate(args: readonly string[], io: Io): Promise<number> {
  const path = args[0] ?? manifestPath(undefined, io);
  try {
    const manifest = await loadManifest(path);
    await loadPlugins(manifest);
    const experiments = manifest.plugins.reduce((n, p) => n + p.experiments.length, 0);
    await write(
      io.stdout,
      `${path}: valid (${manifest.plugins.length} plugins, ${experiments} experiments)\n`,
    );
    return EXIT.OK;
  } catch (error) {
    if (!isManifestError(error)) throw error;
    await write(io.stderr, `${error.issues.map(formatIssue).join("\n")}\n`);
    await write(
      io.stderr,
      `${path}: ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}\n`,
    );
    return EXIT.INVALID;
  }
}
