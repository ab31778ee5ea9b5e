// What an evaluation through OpenFeature costs with this provider, side by side in one run with the SDK's own
// InMemoryProvider serving the same experiment statically (the SDK's floor: its hooks, context merge and
// details, with no evaluation at all) and with assay.assign called directly (Assay's own cost). Exposure off,
// then on (an exposure per evaluation into an in-memory store behind the pipeline). Single thread.
// Run: pnpm bench (after a build), or `node bench/evaluate.mjs` here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { AssayProvider } from "@assay/openfeature";
import { createAssay } from "@assay/runtime";
import { InMemoryProvider, OpenFeature } from "@openfeature/server-sdk";

const IDS = 1 << 14;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);

const dir = mkdtempSync(join(tmpdir(), "assay-openfeature-bench-"));
writeFileSync(
  join(dir, "assay.toml"),
  `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 4000, is_control = true },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 3000, value = "one-page" },
]
`,
);
const assay = await createAssay({
  manifest: join(dir, "assay.toml"),
  store: new MemoryEventStore(),
  handleSignals: false,
  pipeline: { maxQueue: 10_000_000 },
});
const ids = Array.from({ length: IDS }, (_, i) => `user-${i}`);
const contexts = ids.map((targetingKey) => ({ targetingKey }));

await OpenFeature.setProviderAndWait("assay", new AssayProvider(assay, { exposure: false }));
await OpenFeature.setProviderAndWait("assay-exposing", new AssayProvider(assay));
await OpenFeature.setProviderAndWait(
  "in-memory",
  new InMemoryProvider({
    checkout: {
      variants: { control: "control", "treatment-a": "streamlined-checkout", "treatment-b": "one-page" },
      defaultVariant: "control",
      disabled: false,
    },
  }),
);

/** Evaluations per second of `evaluate(i)` over SECONDS, the best of RUNS. */
async function measure(evaluate) {
  let best = 0;
  for (let run = 0; run < RUNS; run++) {
    let n = 0;
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 1024; i++) await evaluate((n + i) & (IDS - 1));
      n += 1024;
    }
    best = Math.max(best, n / SECONDS);
    await assay.flush();
  }
  return best;
}

const client = (domain) => OpenFeature.getClient(domain);
const rows = [
  ["assay.assign (direct, no SDK)", (i) => assay.assign("checkout", { userId: ids[i], attributes: {} })],
  [
    "SDK + InMemoryProvider (static)",
    (i) => client("in-memory").getStringValue("checkout", "control", contexts[i]),
  ],
  [
    "SDK + AssayProvider, exposure off",
    (i) => client("assay").getStringValue("checkout", "control", contexts[i]),
  ],
  [
    "SDK + AssayProvider, exposure on",
    (i) => client("assay-exposing").getStringValue("checkout", "control", contexts[i]),
  ],
];
console.log(`${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; best of ${RUNS} × ${SECONDS} s`);
for (const [label, evaluate] of rows) {
  const perSecond = await measure(evaluate);
  console.log(
    `${label.padEnd(36)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s  ${(1e6 / perSecond).toFixed(2)} µs`,
  );
}
await OpenFeature.close();
await assay.close();
