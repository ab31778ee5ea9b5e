// The server as its own process, for the fault tests: the HTTP API over the manifest's default SQLite store
// (what `assay serve` runs), from the built dist/. Prints "listening <url>" once it accepts requests; on
// SIGTERM closes the app (in-flight requests answered, the pipeline drained), prints "drained" and exits 0.
// Usage: node test/support/serve-child.mjs <manifest>
import { createAssay } from "@assay/runtime";
import { serveDashboard } from "../../dist/index.js";

const manifest = process.argv[2];
const assay = await createAssay({ manifest, handleSignals: false });
const running = await serveDashboard({
  port: 0,
  open: async () => ({
    storeName: assay.store.name,
    experiments: () => assay.experiments(),
    summarize: (id, options) => assay.summarize(id, options),
    report: () => ({}),
    events: assay.store,
    pipelineStats: () => assay.pipelineStats,
    close: () => assay.close(),
  }),
});
process.once("SIGTERM", async () => {
  await running.close();
  process.stdout.write("drained\n");
  process.exit(0);
});
process.stdout.write(`listening ${running.url}\n`);
