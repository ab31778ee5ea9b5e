import { stat } from "node:fs/promises";
import {
  formatIssue,
  isManifestError,
  issueAt,
  loadManifest,
  type Manifest,
  ManifestError,
  type ManifestIssue,
  manifestWarnings,
  type PluginEntry,
  parseManifest,
} from "@assay/config";
import { allowsOutsideFiles } from "@assay/core";
import { loadPlugins, locatePluginSource, PluginSourceError } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { readInput, STDIN } from "../input.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE = "usage: assay validate [PATH | -] [--env NAME] [--load-plugins] [--strict]";

/** What a manifest read from stdin is called in messages (`<stdin>:3:1: ...`). */
const STDIN_NAME = "<stdin>";

/**
 * `assay validate [PATH] [--env NAME] [--load-plugins]`: parses the manifest, then checks every plugin it names.
 * A manifest whose `source` is a path is code: validating it does not run that code unless `--load-plugins` is
 * given. Without it, a path source (or a package the runtime does not ship, which may sit beside an untrusted
 * manifest in its node_modules) must be an existing regular file, and its options are not checked (the output
 * says so); a package the runtime ships (`@assay/...`) is loaded and checks its options either way. `--env` (default `ASSAY_ENV`) selects the environment whose
 * `env.<name>` blocks are applied; every block is validated merged either way, and an environment the manifest
 * does not know is an error. Exit 0 when valid; exit 1 with one `file:line:col: key: message` line per problem
 * on stderr.
 */
export async function validate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { env: { type: "string" }, "load-plugins": { type: "boolean" }, strict: { type: "boolean" } },
    USAGE,
  );
  if (positionals.length > 1) throw new CliError(USAGE, EXIT.USAGE);
  const fromStdin = positionals[0] === STDIN;
  const path = fromStdin ? STDIN_NAME : (positionals[0] ?? manifestPath(undefined, io));
  const env = values.env ?? io.env.ASSAY_ENV;
  // Read before the try: a stdin that cannot be read is a usage error, not a manifest problem.
  const text = fromStdin ? await readInput(STDIN, io, "validate") : undefined;
  try {
    const manifest = await readManifest(path, text, env);
    const notRun = await checkPlugins(manifest, values["load-plugins"] === true);
    // Warnings (weights 100x apart) validate; --strict makes them the problems that fail the run.
    const warnings = manifestWarnings(manifest);
    if (warnings.length > 0) await write(io.stderr, `${warnings.map(formatIssue).join("\n")}\n`);
    if (values.strict === true && warnings.length > 0) {
      await write(
        io.stderr,
        `${path}: ${warnings.length} warning${warnings.length === 1 ? "" : "s"}, errors under --strict\n`,
      );
      return EXIT.INVALID;
    }
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
    for (const { entry, kind } of notRun) {
      const what = kind === "path" ? "code from a path" : "a package the assay runtime does not ship";
      await write(
        io.stdout,
        `${path}: plugin ${JSON.stringify(entry.name)} (${JSON.stringify(entry.source)}) not run, so its options are not checked: it is ${what}; --load-plugins runs it\n`,
      );
    }
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

/**
 * The manifest at `path`, or parsed from `text` (stdin): then relative `source` and file paths resolve
 * against the working directory, as they would for a manifest there.
 */
async function readManifest(
  path: string,
  text: string | undefined,
  env: string | undefined,
): Promise<Manifest> {
  if (text === undefined) return loadManifest(path, { env });
  return parseManifest(text, path, { env, checkFiles: true, allowOutsideFiles: allowsOutsideFiles() });
}

interface NotRun {
  readonly entry: PluginEntry;
  readonly kind: "path" | "package";
}

/**
 * Loads the plugins validation may run (all with `loadAll`, else the packages the runtime ships) and checks the
 * others' sources without importing them. Returns the entries not run; throws one ManifestError for every
 * problem of every entry.
 */
async function checkPlugins(manifest: Manifest, loadAll: boolean): Promise<NotRun[]> {
  const issues: ManifestIssue[] = [];
  const toLoad: PluginEntry[] = [];
  const notRun: NotRun[] = [];
  for (const entry of manifest.plugins) {
    let location: ReturnType<typeof locatePluginSource>;
    try {
      location = locatePluginSource(entry.source, manifest.dir);
    } catch (error) {
      if (!(error instanceof PluginSourceError)) throw error;
      issues.push(sourceIssue(manifest, entry, error.message));
      continue;
    }
    if (loadAll || location.bundled) {
      toLoad.push(entry);
      continue;
    }
    const problem = await fileProblem(location.file);
    if (problem !== undefined) issues.push(sourceIssue(manifest, entry, `cannot be loaded: ${problem}`));
    else notRun.push({ entry, kind: location.kind });
  }
  try {
    await loadPlugins({ ...manifest, plugins: toLoad });
  } catch (error) {
    if (!isManifestError(error)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0) {
    throw new ManifestError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return notRun;
}

function sourceIssue(manifest: Manifest, entry: PluginEntry, message: string): ManifestIssue {
  return issueAt(manifest, [...entry.path, "source"], `${JSON.stringify(entry.source)} ${message}`);
}

async function fileProblem(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? undefined : `${file} is not a regular file`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? `no such file ${file}` : `${file}: ${code}`;
  }
}
