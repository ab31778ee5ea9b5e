import { formatIssue, isManifestError, loadManifest } from "@assay/config";
import { loadPlugins } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE = "usage: assay validate [PATH] [--env NAME]";

/**
 * `assay validate [PATH] [--env NAME]`: parses the manifest, then loads every plugin it names and lets each
 * check its options. `--env` (default `ASSAY_ENV`) selects the environment whose `env.<name>` blocks are
 * applied; every block is validated merged either way, and an environment the manifest does not know is an
 * error. Exit 0 when valid; exit 1 with one `file:line:col: key: message` line per problem on stderr.
 */
export async function validate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { env: { type: "string" } }, USAGE);
  if (positionals.length > 1) throw new CliError(USAGE, EXIT.USAGE);
  const path = positionals[0] ?? manifestPath(undefined, io);
  const env = values.env ?? io.env.ASSAY_ENV;
  try {
    const manifest = await loadManifest(path, { env });
    await loadPlugins(manifest);
    const experiments = manifest.plugins.reduce((n, p) => n + p.experiments.length, 0);
    const flags = manifest.plugins.reduce((n, p) => n + p.flags.length, 0);
    const extras = [
      flags > 0 ? `, ${flags} flags` : "",
      manifest.layers.length > 0 ? `, ${manifest.layers.length} layers` : "",
      manifest.environment !== undefined ? `, environment ${manifest.environment}` : "",
    ].join("");
    await write(
      io.stdout,
      `${path}: valid (${manifest.plugins.length} plugins, ${experiments} experiments${extras})\n`,
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
