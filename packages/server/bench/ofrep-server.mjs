// The server side of bench/ofrep.bench.mjs, in its own process: `assay serve`'s app over a manifest, with
// an evaluate key, on 127.0.0.1 and a free port, which it prints as one JSON line.
import { createAssay } from "@assay/runtime";
import { serveDashboard } from "../dist/index.js";

const [manifest, key] = process.argv.slice(2);
const assay = await createAssay({ manifest, handleSignals: false });
const source = {
  storeName: assay.store.name,
  experiments: () => assay.experiments(),
  summarize: (id, options) => assay.summarize(id, options),
  report: () => ({}),
  evaluation: assay,
  close: () => assay.close(),
};
const running = await serveDashboard({
  open: async () => source,
  port: 0,
  keys: [{ name: "bench", key, roles: ["evaluate"] }],
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
// The parent asks for this process's CPU time around each scenario: CPU per request is what a loaded,
// shared machine disturbs least (requests per second there measure the neighbours as much as the server).
process.on("message", (message) => {
  if (message === "cpu") process.send?.(process.cpuUsage());
});
process.on("SIGTERM", () => running.close().then(() => process.exit(0)));
