import { dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import type { LocationTarget, ManifestIssue } from "./issue.js";
import { issueAt } from "./issue.js";
import { indexSource } from "./locate/index-source.js";
import type { Manifest } from "./manifest.js";
import { ManifestError } from "./manifest-error.js";
import type { ManifestPath } from "./path.js";
import { environmentBlocks } from "./rules/environment-names-rule.js";
import { type CheckContext, INVALID } from "./schema/check.js";
import { ENVIRONMENT_PATTERN } from "./schema/environment-schema.js";
import { manifestSchema } from "./schema/manifest-schema.js";
import { declaredMetrics } from "./schema/metric-schema.js";
import { tableOf } from "./schema/table.js";
import { nearest } from "./suggest.js";
import { tomlSyntaxIssue } from "./toml-syntax-error.js";

const checkDocument = tableOf(manifestSchema, "a TOML document");

export interface ParseOptions {
  /**
   * The environment to run: its `env.<name>` blocks are applied on top of the base values. Default: the
   * manifest's `environment` key; none when absent. Callers pass `ASSAY_ENV` here (the parser reads no
   * process state). Every environment block is validated, merged, whichever is selected.
   */
  readonly env?: string | undefined;
  /**
   * Also check the files the manifest names (a Statsig payload), relative to `file`'s directory. `loadManifest`
   * does; a text parsed under a made-up file name does not read the disk unless asked.
   */
  readonly checkFiles?: boolean | undefined;
  /**
   * Files the manifest names may lie outside its folder (an absolute path, `../`). Default: not allowed, so a
   * manifest from elsewhere cannot make validation read any file of the machine; `loadManifest` defaults it to
   * `ASSAY_ALLOW_OUTSIDE_FILES=1` in the environment.
   */
  readonly allowOutsideFiles?: boolean | undefined;
}

/**
 * Parses and validates the text of an `assay.toml`. `file` names the manifest in issues and anchors
 * relative paths (`dir`). Throws a {@link ManifestError} carrying every issue of the file, in line order:
 * a TOML syntax error alone (nothing can be checked past it), otherwise all schema and rule violations.
 */
export function parseManifest(text: string, file: string, options: ParseOptions = {}): Manifest {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const document = parseToml(source, file);
  const locator = indexSource(source);
  const locate = (path: ManifestPath, target?: LocationTarget) => locator.locate(path, target);
  const located = { file, locate };
  const issues: ManifestIssue[] = [];
  const written = typeof document.environment === "string" ? document.environment : undefined;
  const env = options.env === undefined || options.env === "" ? written : options.env;
  const lines = source.split(/\r?\n/);
  const ctx: CheckContext = {
    report: (path, message, target) => issues.push(issueAt(located, path, message, target)),
    reportInString: (path, offset, message) => {
      const issue = issueAt(located, path, message);
      issues.push({
        ...issue,
        column: issue.column + stringColumnShift(lines[issue.line - 1], issue.column, offset),
      });
    },
    locate,
    env,
    dir: options.checkFiles ? dirname(resolve(file)) : undefined,
    allowOutsideFiles: options.allowOutsideFiles === true,
    metrics: declaredMetrics(document),
  };
  const body = checkDocument(document, [], ctx);
  const environments = knownEnvironments(document);
  if (options.env !== undefined && options.env !== "" && options.env !== written) {
    checkSelected(options.env, environments, Array.isArray(document.environments), ctx);
  }
  if (issues.length > 0 || body === INVALID) throw new ManifestError(issues);
  return Object.freeze({
    file,
    dir: dirname(resolve(file)),
    plugins: body.plugins,
    environment: env,
    environments: Object.freeze(environments),
    layers: body.layers,
    metrics: body.metrics,
    locate,
  });
}

/**
 * How many columns past a string value's opening quote (at 1-based `column` of `line`) its character `offset`
 * is written: `1 + offset` when the characters before it are written as they read (a literal string, or a
 * basic string without escapes there); 0 (the value itself) when that cannot be told.
 */
function stringColumnShift(line: string | undefined, column: number, offset: number): number {
  if (line === undefined) return 0;
  const quote = line[column - 1];
  if (quote !== "'" && quote !== '"') return 0;
  if (line.startsWith(quote.repeat(3), column - 1)) return 0; // multi-line strings
  const written = line.slice(column, column + offset);
  if (written.length < offset || written.includes(quote) || (quote === '"' && written.includes("\\")))
    return 0;
  return 1 + offset;
}

/** The `environments` list, then the names of `env` blocks it does not list, in order of appearance. */
function knownEnvironments(document: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (Array.isArray(document.environments)) {
    for (const name of document.environments) if (typeof name === "string") names.add(name);
  }
  if (typeof document.environment === "string") names.add(document.environment);
  for (const [name] of environmentBlocks(document)) names.add(name);
  return [...names];
}

/**
 * An environment asked for from outside (ASSAY_ENV, --env). When the manifest lists its `environments`, the
 * name must be one of them. Otherwise a name with no block runs the base values (a deployment's ASSAY_ENV
 * need not be mentioned), except a near miss of a known name (`stagin` for `staging`), which would otherwise
 * run the base values without a word.
 */
function checkSelected(env: string, known: readonly string[], declared: boolean, ctx: CheckContext): void {
  if (!ENVIRONMENT_PATTERN.test(env)) {
    ctx.report(
      [],
      `environment ${JSON.stringify(env)} (ASSAY_ENV or --env) must be letters, digits, _ and -`,
    );
    return;
  }
  if (known.includes(env)) return;
  const near = nearest(env, known);
  if (declared) {
    ctx.report(
      [],
      `environment ${JSON.stringify(env)} (ASSAY_ENV or --env) is not in this manifest's environments (${known.join(", ")})${near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`}`,
    );
  } else if (near !== undefined) {
    ctx.report(
      [],
      `environment ${JSON.stringify(env)} (ASSAY_ENV or --env) has no blocks; did you mean ${JSON.stringify(near)}? (list the names with environments = [...] to run ${JSON.stringify(env)} with the base values)`,
    );
  }
}

/**
 * The raw TOML document of a manifest's text, before any schema check, as {@link parseManifest} reads it (a
 * leading BOM skipped). Tools that write manifests (`assay import`) parse their output back with it to prove it
 * holds exactly the tables they meant. Throws smol-toml's `TomlError` on a syntax error.
 */
export function readTomlDocument(text: string): Record<string, unknown> {
  return parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
}

function parseToml(source: string, file: string): Record<string, unknown> {
  try {
    return parse(source);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new ManifestError([tomlSyntaxIssue(source, file, error)]);
  }
}
