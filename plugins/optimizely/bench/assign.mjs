// Assignment throughput on the Optimizely SDK, side by side in one run: the SDK's own call (`getVariation`),
// Assay's adapter over it (@assay/optimizely), and experiment-hash's optimizely mode on the same experiment and
// ids. Single thread, offline (a static datafile, events to an in-process dispatcher). Run after a build:
// node bench/assign.mjs (BENCH_SECONDS, BENCH_RUNS to tune).
import { cpus } from "node:os";
import { MemoryEventStore } from "@assay/core";
import { HashExperimentBackend } from "@assay/experiment-hash";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { OptimizelyBackend } from "../dist/index.js";

const IDS = 1 << 14;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ids = Array.from({ length: IDS }, (_, i) => (i % 2 ? `user-${(i * 2654435761) >>> 0}` : `ü-${i}-用户`));
const contexts = ids.map((userId) => ({ userId, attributes: {} }));

// one experiment, 90% of traffic, two variations 50/50
const datafile = {
  version: "4",
  accountId: "1",
  projectId: "2",
  revision: "1",
  anonymizeIP: true,
  botFiltering: false,
  experiments: [
    {
      id: "31000",
      key: "checkout",
      status: "Running",
      layerId: "31001",
      audienceIds: [],
      variations: [
        { id: "31010", key: "control", variables: [] },
        { id: "31020", key: "treatment", variables: [] },
      ],
      trafficAllocation: [
        { entityId: "31010", endOfRange: 4500 },
        { entityId: "31020", endOfRange: 9000 },
      ],
      forcedVariations: {},
    },
  ],
  groups: [],
  audiences: [],
  typedAudiences: [],
  attributes: [],
  events: [],
  featureFlags: [],
  rollouts: [],
  integrations: [],
  variables: [],
};
const definition = (hashing) => ({
  id: "checkout",
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "treatment", weight: 1, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
  ...(hashing ? { hashing } : {}),
});
const adapter = new OptimizelyBackend({
  datafile,
  eventDispatcher: { dispatchEvent: async () => ({ statusCode: 200 }) },
  experiments: [definition()],
  store: new MemoryEventStore(),
});
await adapter.init();
// the same adapter remembering no assign-time contexts (exposures then need the record's attributes)
const forgetful = new OptimizelyBackend({
  datafile,
  eventDispatcher: { dispatchEvent: async () => ({ statusCode: 200 }) },
  experiments: [definition()],
  store: new MemoryEventStore(),
  contextMemory: 0,
});
await forgetful.init();
const sdk = createInstance({
  projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(datafile) }),
});
await sdk.onReady();
const local = new HashExperimentBackend({
  experiments: [definition({ mode: "optimizely", experimentId: "31000", ends: [4500, 9000] })],
  store: new MemoryEventStore(),
});

// the three must agree before they are timed
for (const ctx of contexts) {
  const key = sdk.getVariation("checkout", ctx.userId, {});
  const a = adapter.assign("checkout", ctx);
  const m = local.assign("checkout", ctx);
  const want = key ?? "control";
  if (a.variantId !== want || m.variantId !== want || a.inExperiment !== (key !== null))
    throw new Error(`disagreement on ${ctx.userId}: sdk ${key}, adapter ${a.variantId}, mode ${m.variantId}`);
}

const bit = (v) => (v.inExperiment ? 1 : 0);
const cases = [
  [
    "@optimizely/optimizely-sdk getVariation (SDK)",
    (i) => (sdk.getVariation("checkout", ids[i], {}) ? 1 : 0),
  ],
  ["@assay/optimizely adapter assign", (i) => bit(adapter.assign("checkout", contexts[i]))],
  [
    "@assay/optimizely adapter assign, context_memory 0",
    (i) => bit(forgetful.assign("checkout", contexts[i])),
  ],
  ["experiment-hash optimizely mode", (i) => bit(local.assign("checkout", contexts[i]))],
];

const LOOP = `
  let ops = 0, sink = 0, i = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let j = 0; j < 1024; j++) { sink += step(i); i = (i + 1) & mask; }
    ops += 1024;
    now = process.hrtime.bigint();
  }
  if (sink === -1) console.log("unreachable");
  return ops / (Number(now - start) / 1e9);
`;
// one loop per case, so no call site turns megamorphic
const measurer = (step) => {
  const loop = new Function("step", "mask", "seconds", "process", LOOP);
  return () => loop(step, IDS - 1, SECONDS, process);
};
const rows = cases.map(([name, step]) => ({ name, measure: measurer(step), runs: [] }));
for (const row of rows) row.measure(); // warm-up
for (let r = 0; r < RUNS; r++) for (const row of rows) row.runs.push(row.measure());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(1)} k/s`);
console.log(
  `optimizely assign throughput, one core; median of ${RUNS} runs of ${SECONDS}s; ${IDS} ids (half non-ASCII)`,
);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}`);
for (const row of rows) console.log(`  ${row.name.padEnd(52)} ${fmt(median(row.runs)).padStart(11)}`);
await adapter.close();
await forgetful.close();
await sdk.close();
