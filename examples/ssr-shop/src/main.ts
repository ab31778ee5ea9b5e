import { join } from "node:path";
import { createAssay } from "@assay/runtime";
import { buildServer } from "./server.js";

// The manifest sits beside package.json; ASSAY_MANIFEST points elsewhere (to try another backend).
const manifest = process.env.ASSAY_MANIFEST ?? join(import.meta.dirname, "..", "assay.toml");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const assay = await createAssay({ manifest });
const app = buildServer(assay);
try {
  await app.listen({ port, host });
} catch (error) {
  // Port 3000 taken by something else: take any free port rather than fail the demo, unless PORT was explicit.
  if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || process.env.PORT !== undefined) throw error;
  await app.listen({ port: 0, host });
}
const url = `http://${host}:${(app.server.address() as { port: number }).port}/`;
console.log(`Assay demo shop: ${url}`);
console.log(`  results page:  ${url}results`);
console.log(`  manifest:      ${manifest} (events in ${assay.store.name} store)`);
console.log("Ctrl-C stops it; pending events are flushed first.");
