// What a caller that does not await pays for assay.expose / assay.track through the public client, on the
// default store (SQLite behind the batching pipeline): the validation and the enqueue, timed over 300 chunks of
// 1,000 calls with the event loop free between chunks so commits run as in a server, at most 10,000 events
// outstanding. Run: pnpm bench.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAssay } from "@assay/runtime";

const dir = mkdtempSync(join(tmpdir(), "assay-bench-expose-"));
writeFileSync(
  join(dir, "assay.toml"),
  `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout_button_color"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`,
);
const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
const contexts = Array.from({ length: 1000 }, (_, i) => ({
  userId: Buffer.from(`u-${i}`).toString(),
  attributes: {},
}));
const variants = contexts.map((ctx) => assay.assign("checkout_button_color", ctx));

async function time(name, call) {
  let spent = 0n;
  let calls = 0;
  for (let chunk = 0; chunk < 300; chunk++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) void call(i);
    spent += process.hrtime.bigint() - start;
    calls += 1000;
    await new Promise((resolve) => setImmediate(resolve));
    // Paced like a server below the store's capacity: the next chunk waits until at most 10,000 events are
    // outstanding. Unpaced, the producer outruns the writer, the queue fills, and the garbage collector's work
    // on the queued events lands in the timed calls (reported by the store benchmarks as "unpaced").
    while (assay.store.pending > 10_000) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  console.log(`  ${name.padEnd(40)} ${(Number(spent) / calls / 1000).toFixed(2)} µs/call`);
}

console.log(`not awaited, through the public client, default SQLite store; node ${process.version}`);
await time("assay.expose", (i) => assay.expose(variants[i], contexts[i]));
await time("assay.track (bool)", (i) => assay.track("checkout_button_color", "checkout", true, contexts[i]));
await assay.close();
const summary = await (
  await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false })
).summarize("checkout_button_color");
const exposures = summary.variants.reduce((n, v) => n + v.exposures, 0);
console.log(`  stored afterwards: ${exposures} exposures (expected 300000)`);
