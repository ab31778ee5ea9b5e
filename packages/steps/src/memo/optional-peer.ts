import { createRequire } from "node:module";
import { BackendError } from "@assay/core";

/**
 * A store needs a package that `@assay/steps` declares only as an optional peer (better-sqlite3 for
 * `SqliteMemoStore`), so that workers that never use it do not install or compile it. `packages` and
 * `installCommand` say what to install.
 */
export class MissingPeerDependencyError extends BackendError {
  /** The npm packages that could not be resolved. */
  readonly packages: readonly string[];
  /** The command that installs them, e.g. `npm install better-sqlite3`. */
  readonly installCommand: string;

  constructor(pkg: string, neededBy: string, options?: { cause?: unknown }) {
    const installCommand = `npm install ${pkg}`;
    super(`${neededBy} needs the package ${pkg}, which is not installed; run: ${installCommand}`, options);
    this.name = "MissingPeerDependencyError";
    this.packages = Object.freeze([pkg]);
    this.installCommand = installCommand;
  }
}

const require = createRequire(import.meta.url);

/**
 * Loads the CommonJS package `pkg` when a store first needs it. A package that is not installed is a
 * MissingPeerDependencyError naming the install command; any other load failure (a native build for another
 * Node version, say) is rethrown as it is.
 */
export function loadOptionalPeer<T>(pkg: string, neededBy: string): T {
  try {
    return require(pkg) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message ?? "";
    if (code === "MODULE_NOT_FOUND" && message.includes(`'${pkg}'`)) {
      throw new MissingPeerDependencyError(pkg, neededBy, { cause: error });
    }
    throw error;
  }
}
