#!/usr/bin/env node
// The installed `assay` command. A committed shim, so that pnpm can link the bin at install time, before
// dist/ is built; the command itself is compiled to dist/bin.js.
try {
  await import("../dist/bin.js");
} catch (error) {
  // In a clone that was never built, say how to build instead of printing a module-resolution stack.
  const missing = error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("/dist/bin.js");
  if (!missing) throw error;
  process.stderr.write(
    "assay: the command is not built yet (packages/cli/dist is missing); in the repository run npm test or npm run demo once, which build it\n",
  );
  process.exitCode = 3;
}
