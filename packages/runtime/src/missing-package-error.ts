import { createRequire } from "node:module";
import { isAbsolute, join } from "node:path";
import { ManifestError, type ManifestIssue } from "@assay/config";

/**
 * A package the manifest needs is not installed: a `source` that names one, or `@assay/store-sqlite` for a
 * manifest that names no event store (the embedded default is an optional peer, so PostgreSQL users never
 * compile SQLite). It is a ManifestError, so whatever reports manifest problems reports this one with its
 * `file:line:col`; `packages` and `installCommand` say what to install.
 */
export class MissingPackageError extends ManifestError {
  readonly code = "PACKAGE_MISSING";
  /** The npm package names that could not be resolved from the manifest's directory. */
  readonly packages: readonly string[];
  /** The command that installs them, e.g. `npm install @assay/store-sqlite`. */
  readonly installCommand: string;

  constructor(issues: readonly ManifestIssue[], packages: readonly string[]) {
    super(issues);
    this.packages = Object.freeze([...new Set(packages)]);
    this.installCommand = `npm install ${this.packages.join(" ")}`;
  }
}

/** The npm package a module specifier belongs to: `@scope/name` or `name`, without a subpath. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * Whether a package `source` resolves from the manifest's directory or from the runtime's own dependencies,
 * the two places the plugin loader looks (paths, `./x.js`, are not packages and always "resolve").
 */
export function packageResolves(source: string, manifestDir: string): boolean {
  if (source.startsWith(".") || isAbsolute(source)) return true;
  return [join(manifestDir, "package.json"), import.meta.filename].some((base) => {
    try {
      createRequire(base).resolve(source);
      return true;
    } catch {
      return false;
    }
  });
}
