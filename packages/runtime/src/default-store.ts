import { issueAt, type Manifest } from "@assay/config";
import type { EventStore } from "@assay/core";
import { MissingPackageError, packageResolves } from "./missing-package-error.js";
import { importPluginModule } from "./plugin-module.js";

/** The package of the embedded default store: an optional peer of the runtime, installed by those who use it. */
export const DEFAULT_STORE_PACKAGE = "@assay/store-sqlite";

/**
 * The store used when the manifest names none: SQLite at `.assay/events.db` beside the manifest, so a new
 * app records durably with no set-up. `@assay/store-sqlite` (and so better-sqlite3, a native build) is
 * imported only here, only then: an app whose manifest names PostgreSQL never needs it installed. Missing,
 * it is a MissingPackageError naming the package and the install command. (JSON Lines stays available:
 * `source = "@assay/runtime/store-jsonl"`.)
 */
export async function defaultEventStore(manifest: Manifest): Promise<EventStore> {
  if (!packageResolves(DEFAULT_STORE_PACKAGE, manifest.dir)) {
    throw new MissingPackageError(
      [
        issueAt(
          manifest,
          [],
          `no event store is named, so events go to the embedded default, ${DEFAULT_STORE_PACKAGE}, which is not installed: run npm install ${DEFAULT_STORE_PACKAGE} (or name a store, e.g. [[plugins]] source = "@assay/store-postgres")`,
        ),
      ],
      [DEFAULT_STORE_PACKAGE],
    );
  }
  const definition = await importPluginModule(DEFAULT_STORE_PACKAGE, manifest.dir);
  if (definition.createEventStore === undefined) {
    throw new Error(`${DEFAULT_STORE_PACKAGE} loaded, but provides no createEventStore()`);
  }
  return definition.createEventStore({ name: "default", options: {}, manifestDir: manifest.dir });
}
