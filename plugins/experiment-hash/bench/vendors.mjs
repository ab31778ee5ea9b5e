// Assignment throughput per vendor, side by side in one run: the vendor SDK's own call, Assay's adapter over
// that SDK (GrowthBook, PostHog), and experiment-hash's vendor-compatible mode, on the same experiment and the
// same ids. Single thread. Run after a build: node bench/vendors.mjs (BENCH_SECONDS, BENCH_RUNS to tune).
import { cpus } from "node:os";
import { MemoryEventStore } from "@assay/core";
import { HashExperimentBackend } from "@assay/experiment-hash";
import { GrowthBookBackend } from "@assay/growthbook";
import { PostHogBackend } from "@assay/posthog";
import { GrowthBookClient } from "@growthbook/growthbook";
import { createInstance, createStaticProjectConfigManager } from "@optimizely/optimizely-sdk";
import { PostHog } from "posthog-node";
import statsig from "statsig-node";
import { InMemStorageProvider, Unleash } from "unleash-client";

const IDS = 1 << 14;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ids = Array.from({ length: IDS }, (_, i) => (i % 2 ? `user-${(i * 2654435761) >>> 0}` : `ü-${i}-用户`));
const contexts = ids.map((userId) => ({ userId, attributes: {} }));
const store = new MemoryEventStore();
const def = (id, hashing, weights = [0.5, 0.5], names = ["control", "treatment"], traffic = 1) => ({
  id,
  variants: names.map((n, i) => ({ id: n, weight: weights[i], isControl: i === 0 })),
  unit: "user",
  traffic,
  enabled: true,
  ...(hashing ? { hashing } : {}),
});

// --- the same experiment in each vendor's terms
const gbPayload = {
  features: {
    checkout: {
      defaultValue: 0,
      rules: [
        {
          key: "checkout",
          seed: "s",
          hashVersion: 2,
          coverage: 0.9,
          variations: [0, 1],
          weights: [0.5, 0.5],
          meta: [{ key: "control" }, { key: "treatment" }],
        },
      ],
    },
  },
};
const phFlags = {
  flags: [
    {
      id: 1,
      key: "checkout",
      active: true,
      filters: {
        groups: [{ properties: [], rollout_percentage: 90 }],
        multivariate: {
          variants: [
            { key: "control", rollout_percentage: 50 },
            { key: "treatment", rollout_percentage: 50 },
          ],
        },
      },
    },
  ],
  group_type_mapping: {},
  cohorts: {},
};
const optDatafile = {
  version: "4",
  projectId: "1",
  accountId: "1",
  revision: "1",
  anonymizeIP: false,
  botFiltering: false,
  attributes: [],
  audiences: [],
  events: [],
  groups: [],
  featureFlags: [],
  rollouts: [],
  experiments: [
    {
      id: "1886780721",
      key: "checkout",
      status: "Running",
      layerId: "l",
      audienceIds: [],
      forcedVariations: {},
      variations: [
        { id: "v0", key: "control", variables: [] },
        { id: "v1", key: "treatment", variables: [] },
      ],
      trafficAllocation: [
        { entityId: "v0", endOfRange: 4500 },
        { entityId: "v1", endOfRange: 9000 },
      ],
    },
  ],
};
const unleashFeatures = [
  {
    name: "checkout",
    enabled: true,
    strategies: [
      { name: "flexibleRollout", parameters: { rollout: "90", stickiness: "default", groupId: "checkout" } },
    ],
    variants: [
      { name: "control", weight: 500, stickiness: "default" },
      { name: "treatment", weight: 500, stickiness: "default" },
    ],
  },
];
const statsigPayloadPath = new URL(
  "../../../fixtures/vectors/statsig-download-config-specs.json",
  import.meta.url,
);

// --- SDKs
const gbClient = new GrowthBookClient({});
await gbClient.init({ payload: gbPayload });
const phFetch = async (url) =>
  new Response(url.includes("/flags/definitions") ? JSON.stringify(phFlags) : "{}", {
    status: 200,
    headers: { "content-type": "application/json" },
  });
const ph = new PostHog("phc", {
  host: "http://posthog.invalid",
  personalApiKey: "phx",
  fetch: phFetch,
  flushAt: 1e6,
  featureFlagsPollingInterval: 3_600_000,
  sendFeatureFlagEvent: false,
});
await ph.waitForLocalEvaluationReady(10_000);
const opt = createInstance({
  projectConfigManager: createStaticProjectConfigManager({ datafile: JSON.stringify(optDatafile) }),
});
await opt.onReady({ timeout: 5000 });
const unleash = new Unleash({
  appName: "bench",
  url: "http://unleash.invalid/api/",
  refreshInterval: 0,
  disableMetrics: true,
  skipInstanceCountWarning: true,
  storageProvider: new InMemStorageProvider(),
  bootstrap: { data: unleashFeatures },
});
unleash.on("error", () => {});
await new Promise((r) => unleash.once("ready", r));
const { readFileSync } = await import("node:fs");
await statsig.initialize("secret-bench", {
  localMode: true,
  bootstrapValues: readFileSync(statsigPayloadPath, "utf8"),
});

// --- Assay: adapters and modes
const gbAdapter = new GrowthBookBackend({ experiments: [def("checkout")], store, payload: gbPayload });
await gbAdapter.init();
const phAdapter = new PostHogBackend({
  experiments: [def("checkout")],
  store,
  projectApiKey: "phc",
  personalApiKey: "phx",
  host: "http://posthog.invalid",
  fetch: phFetch,
});
await phAdapter.init();
const local = new HashExperimentBackend({
  store,
  baseDir: new URL("../../../fixtures/vectors/", import.meta.url).pathname,
  experiments: [
    def("native", undefined, [1, 1], undefined, 0.9),
    def("growthbook", { mode: "growthbook", version: 2, seed: "s" }, [0.5, 0.5], undefined, 0.9),
    def("posthog", { mode: "posthog", key: "checkout" }, [50, 50], undefined, 0.9),
    def("optimizely", { mode: "optimizely", experimentId: "1886780721" }, [1, 1], undefined, 0.9),
    def("unleash", { mode: "unleash", groupId: "checkout" }, [500, 500], undefined, 0.9),
    def("featuresignals", { mode: "featuresignals", flagKey: "checkout" }, [5000, 5000], undefined, 0.9),
    {
      ...def(
        "statsig",
        { mode: "statsig", payload: "statsig-download-config-specs.json", experiment: "sample_experiment" },
        [1, 1],
        ["Control", "Test"],
      ),
    },
  ],
});

const bit = (v) => (v.isControl ? 0 : 1);
const sync = [
  ["native", "experiment-hash native", (i) => bit(local.assign("native", contexts[i]))],
  [
    "growthbook",
    "GrowthBookClient.evalFeature (SDK)",
    (i) => gbClient.evalFeature("checkout", { attributes: { id: ids[i] } }).value ?? 0,
  ],
  ["growthbook", "@assay/growthbook adapter", (i) => bit(gbAdapter.assign("checkout", contexts[i]))],
  ["growthbook", "experiment-hash growthbook mode", (i) => bit(local.assign("growthbook", contexts[i]))],
  ["posthog", "@assay/posthog adapter", (i) => bit(phAdapter.assign("checkout", contexts[i]))],
  ["posthog", "experiment-hash posthog mode", (i) => bit(local.assign("posthog", contexts[i]))],
  [
    "optimizely",
    "optimizely getVariation (SDK)",
    (i) => (opt.getVariation("checkout", ids[i]) === "treatment" ? 1 : 0),
  ],
  ["optimizely", "experiment-hash optimizely mode", (i) => bit(local.assign("optimizely", contexts[i]))],
  [
    "unleash",
    "unleash getVariant (SDK)",
    (i) => (unleash.getVariant("checkout", { userId: ids[i] }).name === "treatment" ? 1 : 0),
  ],
  ["unleash", "experiment-hash unleash mode", (i) => bit(local.assign("unleash", contexts[i]))],
  [
    "featuresignals",
    "experiment-hash featuresignals mode",
    (i) => bit(local.assign("featuresignals", contexts[i])),
  ],
  [
    "statsig",
    "statsig getExperiment (SDK, no exposure)",
    (i) =>
      statsig
        .getExperimentWithExposureLoggingDisabledSync({ userID: ids[i] }, "sample_experiment")
        .getGroupName() === "Test"
        ? 1
        : 0,
  ],
  ["statsig", "experiment-hash statsig mode", (i) => bit(local.assign("statsig", contexts[i]))],
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
async function posthogSdk() {
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    for (let j = 0; j < 256; j++)
      await ph.getFeatureFlag("checkout", ids[(ops + j) & (IDS - 1)], {
        onlyEvaluateLocally: true,
        sendFeatureFlagEvents: false,
      });
    ops += 256;
  }
  return ops / ((performance.now() - start) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = sync.map(([vendor, name, step]) => ({ vendor, name, measure: measurer(step), runs: [] }));
rows.splice(4, 0, {
  vendor: "posthog",
  name: "posthog-node getFeatureFlag, local (SDK, async)",
  measure: posthogSdk,
  runs: [],
});
for (const row of rows) await row.measure(); // warm-up
for (let r = 0; r < RUNS; r++) for (const row of rows) row.runs.push(await row.measure());
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(1)} k/s`);
console.log(
  `assign throughput per vendor, one core; median of ${RUNS} runs of ${SECONDS}s; ${IDS} ids (half non-ASCII)`,
);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}`);
let vendor = "";
for (const row of rows) {
  if (row.vendor !== vendor) {
    vendor = row.vendor;
    console.log(vendor);
  }
  console.log(`  ${row.name.padEnd(46)} ${fmt(median(row.runs)).padStart(11)}`);
}
await gbAdapter.close();
await phAdapter.close();
await ph.shutdown();
await opt.close();
unleash.destroy();
statsig.shutdown();
gbClient.destroy();
