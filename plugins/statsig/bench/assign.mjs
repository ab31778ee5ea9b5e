// Assignment throughput on Statsig's current server SDK, side by side in one run: the SDK's own call
// (`getExperiment`, exposure logging off, a StatsigUser per call), Assay's adapter over it (@assay/statsig), and
// experiment-hash's statsig mode (sdk = node-core, the default) on the same experiment and ids. Single thread,
// offline (specs from the SDK's data store, events to a loopback sink). Run after a build:
// node bench/assign.mjs (BENCH_SECONDS, BENCH_RUNS to tune).
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { HashExperimentBackend } from "@assay/experiment-hash";
import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { StatsigBackend } from "../dist/index.js";

const IDS = 1 << 14;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ids = Array.from({ length: IDS }, (_, i) => (i % 2 ? `user-${(i * 2654435761) >>> 0}` : `ü-${i}-用户`));
const contexts = ids.map((userId) => ({ userId, attributes: {} }));

// one experiment, 90% of the layer allocated, two groups 50/50, in the v2 format the SDK downloads
const outside = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [String(900 + i), true]));
const bucket = (salt, operator, targetValue) => ({
  type: "user_bucket",
  operator,
  targetValue,
  field: null,
  additionalValues: { salt },
  idType: "userID",
});
const rule = (id, condition, extra = {}) => ({
  name: id,
  id,
  passPercentage: 100,
  conditions: [condition],
  returnValue: {},
  salt: "",
  idType: "userID",
  ...extra,
});
const specs = {
  feature_gates: {},
  dynamic_configs: {
    checkout: {
      type: "dynamic_config",
      salt: "0b7c1f0e-5d2a-4c55-9a0e-2f61d3c0a111",
      enabled: true,
      defaultValue: {},
      idType: "userID",
      entity: "experiment",
      isActive: true,
      rules: [
        rule("layerAssignment", "c1"),
        rule("g-control", "c2", { groupName: "control", salt: "g-control", isExperimentGroup: true }),
        rule("g-treatment", "c3", { groupName: "treatment", salt: "g-treatment", isExperimentGroup: true }),
      ],
    },
  },
  layer_configs: {},
  condition_map: {
    c1: bucket("layer-salt", "any", outside),
    c2: bucket("0b7c1f0e-5d2a-4c55-9a0e-2f61d3c0a111", "lt", 500),
    c3: bucket("0b7c1f0e-5d2a-4c55-9a0e-2f61d3c0a111", "lt", 1000),
  },
  experiment_to_layer: {},
  has_updates: true,
  time: 1_767_000_000_000,
};
const dir = mkdtempSync(join(tmpdir(), "assay-statsig-bench-"));
writeFileSync(join(dir, "specs.json"), JSON.stringify(specs));

const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("{}"));
});
await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
const logEventUrl = `http://127.0.0.1:${sink.address().port}/v1/log_event`;

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
const adapter = new StatsigBackend({
  serverSecret: "secret-bench",
  specs,
  logEventUrl,
  experiments: [definition()],
  store: new MemoryEventStore(),
});
await adapter.init();
// the same adapter remembering no assign-time contexts (exposures then need the record's attributes)
const forgetful = new StatsigBackend({
  serverSecret: "secret-bench",
  specs,
  logEventUrl,
  experiments: [definition()],
  store: new MemoryEventStore(),
  contextMemory: 0,
});
await forgetful.init();
const sdk = new Statsig("secret-bench-sdk", {
  dataStore: {
    initialize: async () => {},
    shutdown: async () => {},
    get: async (key) => (key.includes("/v2/download_config_specs") ? { result: JSON.stringify(specs) } : {}),
    set: async () => {},
    supportPollingUpdatesFor: async () => false,
  },
  specAdaptersConfig: [{ adapterType: "data_store", initTimeoutMs: 3000 }],
  logEventUrl,
  outputLogLevel: "error",
});
await sdk.initialize();
const local = new HashExperimentBackend({
  experiments: [definition({ mode: "statsig", payload: "specs.json" })],
  store: new MemoryEventStore(),
  baseDir: dir,
});

// the three must agree before they are timed
for (const ctx of contexts) {
  const group = sdk.getExperiment(new StatsigUser({ userID: ctx.userId }), "checkout", {
    disableExposureLogging: true,
  }).groupName;
  const a = adapter.assign("checkout", ctx);
  const m = local.assign("checkout", ctx);
  const want = group ?? "control";
  if (a.variantId !== want || m.variantId !== want || a.inExperiment !== (group !== null))
    throw new Error(
      `disagreement on ${ctx.userId}: sdk ${group}, adapter ${a.variantId}, mode ${m.variantId}`,
    );
}

const bit = (v) => (v.inExperiment ? 1 : 0);
const cases = [
  [
    "@statsig/statsig-node-core getExperiment (SDK)",
    (i) =>
      sdk.getExperiment(new StatsigUser({ userID: ids[i] }), "checkout", { disableExposureLogging: true })
        .groupName
        ? 1
        : 0,
  ],
  ["@assay/statsig adapter assign", (i) => bit(adapter.assign("checkout", contexts[i]))],
  ["@assay/statsig adapter assign, context_memory 0", (i) => bit(forgetful.assign("checkout", contexts[i]))],
  ["experiment-hash statsig mode (node-core)", (i) => bit(local.assign("checkout", contexts[i]))],
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
  `statsig assign throughput, one core; median of ${RUNS} runs of ${SECONDS}s; ${IDS} ids (half non-ASCII)`,
);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}`);
for (const row of rows) console.log(`  ${row.name.padEnd(52)} ${fmt(median(row.runs)).padStart(11)}`);
await adapter.close();
await forgetful.close();
await sdk.shutdown();
sink.close();
