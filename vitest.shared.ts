import { defineConfig } from "vitest/config";

// Shared by every package's vitest.config.ts. The "@assay/source" export condition makes tests run
// against the TypeScript sources of sibling workspace packages, so a test never sees a stale dist/.
export default defineConfig({
  resolve: { conditions: ["@assay/source"] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
