// Heap after many reloads: 400 swaps of a 50-experiment manifest (versions retired 5 ms after each swap),
// a forced GC every 100, heapUsed printed. Flat means swapped-out versions are freed. Run:
// node --expose-gc bench/reload-memory.mjs (after a build).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";

const exp = (i, w) =>
  `\n[[plugins.experiments]]\nid = "exp_${i}"\nvariants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = ${w} }]\n`;
const m = (w) =>
  `[[plugins]]\nname = "experiment-hash"\nsource = "@assay/experiment-hash"\n${Array.from({ length: 50 }, (_, i) => exp(i, w)).join("")}`;
const dir = mkdtempSync(join(tmpdir(), "mem-"));
const path = join(dir, "assay.toml");
writeFileSync(path, m(1));
const assay = await createAssay({
  manifest: path,
  store: new MemoryEventStore(),
  handleSignals: false,
  watch: { retireAfterMs: 5 },
});
for (let i = 1; i <= 400; i++) {
  writeFileSync(path, m(i + 1));
  const r = await assay.reload();
  if (r.status !== "swapped") throw new Error(r.status);
  if (i % 100 === 0) {
    await new Promise((r) => setTimeout(r, 50));
    global.gc();
    console.log(i, (process.memoryUsage().heapUsed / 1e6).toFixed(1), "MB");
  }
}
await assay.close();
