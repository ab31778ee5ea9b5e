import { join } from "node:path";
import { isManifestError } from "@assay/config";
import { MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay, MissingPackageError } from "../src/index.js";
import { packageNameOf, packageResolves } from "../src/missing-package-error.js";
import { appDir, HASH_MANIFEST } from "./helpers.js";

describe("a package the manifest needs is not installed", () => {
  it("is a MissingPackageError (a ManifestError) naming the package, its source line and the npm command", async () => {
    const manifest = `${HASH_MANIFEST}
[[plugins]]
name = "events"
source = "@assay-missing/store-nowhere/sub"
`;
    const sourceLine = manifest.split("\n").findIndex((l) => l.includes("store-nowhere")) + 1;
    const dir = await appDir({ "assay.toml": manifest });
    const error = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingPackageError);
    expect(isManifestError(error)).toBe(true);
    const missing = error as MissingPackageError;
    expect(missing.code).toBe("PACKAGE_MISSING");
    expect(missing.packages).toEqual(["@assay-missing/store-nowhere"]);
    expect(missing.installCommand).toBe("npm install @assay-missing/store-nowhere");
    expect(missing.issues).toHaveLength(1);
    expect(missing.issues[0]).toMatchObject({ line: sourceLine, key: "plugins[1].source" });
    expect(missing.message).toContain(
      'package "@assay-missing/store-nowhere" is not installed where the manifest is',
    );
    expect(missing.message).toContain("run npm install @assay-missing/store-nowhere");
  });

  it("a module that loads but is not a plugin stays a plain ManifestError", async () => {
    const dir = await appDir({
      "assay.toml": `${HASH_MANIFEST}
[[plugins]]
name = "events"
source = "./not-a-plugin.js"
`,
      "not-a-plugin.js": "export default { provides: ['events'] };\n",
    });
    const error = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isManifestError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(MissingPackageError);
    expect((error as Error).message).toContain("does not export an Assay plugin");
  });

  it("resolves the embedded default's package here (a dev dependency), and names packages without subpaths", () => {
    expect(packageResolves("@assay/store-sqlite", "/nonexistent")).toBe(true);
    expect(packageResolves("@assay-missing/x", "/nonexistent")).toBe(false);
    expect(packageResolves("./anything.js", "/nonexistent")).toBe(true);
    expect(packageNameOf("@assay/runtime/store-jsonl")).toBe("@assay/runtime");
    expect(packageNameOf("lodash/fp")).toBe("lodash");
  });
});
