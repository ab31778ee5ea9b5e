import { dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import type { LocationTarget, ManifestIssue } from "./issue.js";
import { issueAt } from "./issue.js";
import { indexSource } from "./locate/index-source.js";
import type { Manifest } from "./manifest.js";
import { ManifestError } from "./manifest-error.js";
import type { ManifestPath } from "./path.js";
import { type CheckContext, INVALID } from "./schema/check.js";
import { manifestSchema } from "./schema/manifest-schema.js";
import { tableOf } from "./schema/table.js";

const checkDocument = tableOf(manifestSchema, "a TOML document");

/**
 * Parses and validates the text of an `assay.toml`. `file` names the manifest in issues and anchors
 * relative paths (`dir`). Throws a {@link ManifestError} carrying every issue of the file, in line order:
 * a TOML syntax error alone (nothing can be checked past it), otherwise all schema and rule violations.
 */
export function parseManifest(text: string, file: string): Manifest {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const document = parseToml(source, file);
  const locator = indexSource(source);
  const locate = (path: ManifestPath, target?: LocationTarget) => locator.locate(path, target);
  const located = { file, locate };
  const issues: ManifestIssue[] = [];
  const ctx: CheckContext = {
    report: (path, message, target) => issues.push(issueAt(located, path, message, target)),
    locate,
  };
  const plugins = checkDocument(document, [], ctx);
  if (issues.length > 0 || plugins === INVALID) throw new ManifestError(issues);
  return Object.freeze({ file, dir: dirname(resolve(file)), plugins, locate });
}

function parseToml(source: string, file: string): Record<string, unknown> {
  try {
    return parse(source);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new ManifestError([
      {
        file,
        line: error.line,
        column: error.column,
        key: "",
        message: `TOML syntax error: ${summary(error)}`,
      },
    ]);
  }
}

/** smol-toml's message is "Invalid TOML document: <what>" followed by a code excerpt; keep the <what>. */
function summary(error: TomlError): string {
  const first = error.message.split("\n", 1)[0] ?? "";
  return first.replace(/^Invalid TOML document:\s*/, "") || "invalid TOML";
}
