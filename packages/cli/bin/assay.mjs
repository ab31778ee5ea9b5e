#!/usr/bin/env node
// The installed `assay` command. A committed shim, so that pnpm can link the bin at install time, before
// dist/ is built; the command itself is compiled to dist/bin.js.
await import("../dist/bin.js");
