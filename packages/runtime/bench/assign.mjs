// Assignment throughput through the public client, side by side in one run with GrowthBook's run() on the
// same experiment and with a bare FNV-1a loop over the same keys (the ceiling: hashing the key is the least
// any hash backend must do). Single thread, so "per second" is per core. Run: pnpm bench (after a build).
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { GrowthBook, GrowthBookClient } from "@growthbook/growthbook";

const EXPERIMENT = "checkout_button_color";
const IDS = Number(process.env.BENCH_IDS ?? 1 << 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

const dir = mkdtempSync(join(tmpdir(), "assay-bench-"));
writeFileSync(
  join(dir, "assay.toml"),
  `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "${EXPERIMENT}"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]

[[plugins.experiments]]
id = "${EXPERIMENT}_targeted"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
forced = { treatment = ["qa-alice"] }
targeting = { include = ["country in [FR, DE]", "app_version >= 2.3.0"] }
`,
);
const assay = await createAssay({
  manifest: join(dir, "assay.toml"),
  store: new MemoryEventStore(),
  handleSignals: false,
});

// Ids as a server receives them (a cookie, a header, a JSON body, a line of a file) are flat strings. A
// template literal would make cons strings, which cost every reader, ours and GrowthBook's alike, an extra
// indirection per character; the Buffer round trip gives flat ones.
const flat = (text) => Buffer.from(text, "utf8").toString("utf8");
const ids = Array.from({ length: IDS }, (_, i) => flat(`user-${(i * 2654435761) >>> 0}`));
const contexts = ids.map((userId) => ({ userId, attributes: {} }));
const targetedContexts = ids.map((userId) => ({
  userId,
  attributes: { country: "FR", app_version: "2.4.1" },
}));
const keys = ids.map((id) => flat(`${EXPERIMENT}:${id}`));
const gbExperiment = { key: EXPERIMENT, variations: [0, 1], weights: [0.5, 0.5], hashVersion: 2 };
const gbClient = new GrowthBookClient({});
await gbClient.init({ payload: { features: {} } }).catch(() => undefined);
const gbAttributes = ids.map((id) => ({ attributes: { id } }));

const MEASURE_SOURCE = `
  let ops = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  let i = 0;
  while (now < deadline) {
    for (let j = 0; j < 8192; j++) {
      sink += step(i);
      i = (i + 1) & mask;
    }
    ops += 8192;
    now = process.hrtime.bigint();
  }
  if (sink === -1) console.log("unreachable");
  return ops / (Number(now - start) / 1e9);
`;

/**
 * A timing loop of its own for each case: one shared loop would make its call site megamorphic and stop V8
 * from inlining any case, which would understate the fast ones. Returns operations per second.
 */
function measurer(step) {
  const loop = new Function("step", "mask", "seconds", "process", MEASURE_SOURCE);
  return () => loop(step, IDS - 1, SECONDS, process);
}

function fnv1aCeiling(i) {
  const key = keys[i];
  let h = 0x811c9dc5;
  for (let k = 0; k < key.length; k++) h = Math.imul(h ^ key.charCodeAt(k), 0x01000193);
  return h & 1;
}
const assayAssign = (i) => (assay.assign(EXPERIMENT, contexts[i]).isControl ? 0 : 1);
const TARGETED = `${EXPERIMENT}_targeted`;
const assayTargeted = (i) => (assay.assign(TARGETED, targetedContexts[i]).isControl ? 0 : 1);
const growthbookRun = (i) => new GrowthBook({ attributes: { id: ids[i] } }).run(gbExperiment).variationId;
const growthbookClientRun = (i) => gbClient.runInlineExperiment(gbExperiment, gbAttributes[i]).variationId;

const cases = [
  ["bare FNV-1a loop over the key (ceiling)", fnv1aCeiling],
  ["assay.assign through the public client", assayAssign],
  ["assay.assign, targeting + forced (policy)", assayTargeted],
  ["GrowthBook run(), one instance per user", growthbookRun],
  ["GrowthBookClient.runInlineExperiment", growthbookClientRun],
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = new Map();
const measurers = new Map(cases.map(([name, step]) => [name, measurer(step)]));
for (const measure of measurers.values()) measure(); // warm-up: let every path reach optimized code
for (let run = 0; run < RUNS; run++) {
  for (const [name] of cases) {
    const list = results.get(name) ?? [];
    list.push(measurers.get(name)());
    results.set(name, list);
  }
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(1)} k/s`);
const figures = Object.fromEntries(cases.map(([name]) => [name, median(results.get(name))]));
const ours = figures["assay.assign through the public client"];
console.log(`assignment throughput, one core; median of ${RUNS} runs of ${SECONDS}s; ${IDS} distinct ids`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}`);
for (const [name] of cases) {
  const value = figures[name];
  const relation = name.startsWith("assay") ? "" : ` (assay is ${(ours / value).toFixed(1)}x)`;
  console.log(`  ${name.padEnd(42)} ${fmt(value).padStart(12)}${relation}`);
}
await assay.close();
