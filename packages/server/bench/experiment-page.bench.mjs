// Server time of the experiment page for 3 arms × 20 metrics over a store of N events (default 10 M) written
// by `assay simulate`, in the manifest's default SQLite store: the request through Fastify (inject, no socket), from the store's
// summary (with the daily series) to the HTML with every chart rendered to SVG. Also times the parts:
// the summary alone and the JSON twin.
// Run: node bench/experiment-page.bench.mjs (after building this package and packages/cli).
// ASSAY_BENCH_EVENTS=1000000 seeds fewer events; ASSAY_BENCH_DB=/path/dir reuses a seeded folder.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createAssay } from "@assay/runtime";
import { evaluate } from "@assay/stats";
import { buildDashboardApp } from "../dist/index.js";

const EVENTS = Number(process.env.ASSAY_BENCH_EVENTS ?? 10_000_000);
const METRICS = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, "0")}`);
/**
 * `assay simulate` writes about 3.2 events per visitor with these 20 metrics (1.5 exposures, a 10%
 * conversion with its order value, a count, 5% and 2% for the other yes/no metrics).
 */
const EVENTS_PER_USER = 3.17;
const USERS = Math.round(EVENTS / EVENTS_PER_USER);

const plan = `analysis = { primary = ["m00"], secondary = [${METRICS.slice(1, 16)
  .map((m) => `"${m}"`)
  .join(", ")}], guardrails = [${METRICS.slice(16)
  .map((m) => `{ metric = "${m}", direction = "decrease" }`)
  .join(", ")}], minimum_sample = 100000 }`;
const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "bench"
variants = [{ id = "control", weight = 34, is_control = true }, { id = "blue", weight = 33 }, { id = "green", weight = 33 }]
${plan}
`;

const dir = process.env.ASSAY_BENCH_DB ?? join(tmpdir(), `assay-server-bench-${EVENTS}`);
const manifest = join(dir, "assay.toml");
const seeded = join(dir, "seeded");
if (!existsSync(seeded)) {
  // Seeded by `assay simulate` (build packages/cli first): 14 days of visitors, a +5% conversion lift in
  // blue, m01 an order value, m02 a count, the rest yes/no metrics.
  mkdirSync(dir, { recursive: true });
  writeFileSync(manifest, MANIFEST);
  const cli = join(import.meta.dirname, "..", "..", "cli", "bin", "assay.mjs");
  const metrics = METRICS.flatMap((m, i) => [
    "--metric",
    i === 1 ? `${m}:numeric` : i === 2 ? `${m}:count` : m,
  ]);
  const t0 = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      cli,
      "simulate",
      "--manifest",
      manifest,
      "--users",
      String(USERS),
      "--effect",
      "blue:m00=+5%",
      ...metrics,
    ],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`assay simulate failed: ${run.stderr}`);
  const wrote = /wrote ([\d,]+) exposures and ([\d,]+) outcomes/.exec(run.stdout);
  const written = Number(wrote[1].replaceAll(",", "")) + Number(wrote[2].replaceAll(",", ""));
  writeFileSync(seeded, String(written));
  console.log(
    `seeded ${written} events (${USERS} visitors) with assay simulate in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const assay = await createAssay({ manifest, handleSignals: false });
const source = {
  storeName: assay.store.name,
  experiments: () => assay.experiments(),
  summarize: (id, options) => assay.summarize(id, options),
  report: (definition, summary) => evaluate(definition.analysis, summary),
};
// No view cache: every page request summarizes the store and evaluates the report (and every day's, for
// the trend) again, as a page after new events would.
const app = await buildDashboardApp({ open: async () => source, viewCacheMs: 0 });

async function time(label, fn, rounds = 15) {
  for (let i = 0; i < 3; i++) await fn(); // warm-up (the first summary also folds the new events in)
  const ms = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(
    `  ${label.padEnd(44)} median ${median.toFixed(1)} ms, min ${ms[0].toFixed(1)}, max ${ms.at(-1).toFixed(1)} (${rounds} runs)`,
  );
  return median;
}

console.log(
  `experiment page, 3 arms × 20 metrics, ${readFileSync(seeded, "utf8")} events in ${dir}; node ${process.version}, ${cpus()[0]?.model} ×${cpus().length}`,
);
await time("summarize (daily) alone", () => assay.summarize("bench", { daily: true }));
let bytes = 0;
const page = await time("GET /experiments/bench (HTML, links 22 charts)", async () => {
  const res = await app.inject("/experiments/bench");
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  bytes = res.body.length;
});
await time("GET /api/experiments/bench (JSON)", async () => {
  const res = await app.inject("/api/experiments/bench");
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
});
console.log(`  page size ${(bytes / 1024).toFixed(0)} KiB; target < 50 ms: ${page < 50 ? "met" : "NOT met"}`);
await app.close();

// The chart images of the page, drawn cold (a fresh app each round, so no chart is cached), wide size.
const chartMs = [];
let charts = 0;
for (let round = 0; round < 3; round++) {
  const fresh = await buildDashboardApp({ open: async () => source, viewCacheMs: 60_000 });
  const html = (await fresh.inject("/experiments/bench")).body;
  const urls = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
  charts = urls.length;
  const t = performance.now();
  for (const url of urls) {
    const res = await fresh.inject(url);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
  }
  chartMs.push(performance.now() - t);
  const again = performance.now();
  for (const url of urls) await fresh.inject(url);
  chartMs.push(-(performance.now() - again));
  await fresh.close();
}
const cold = chartMs.filter((x) => x > 0).sort((a, b) => a - b);
const warm = chartMs
  .filter((x) => x < 0)
  .map((x) => -x)
  .sort((a, b) => a - b);
console.log(
  `  ${charts} chart images (wide), cold: median ${cold[1].toFixed(0)} ms in all, ${(cold[1] / charts).toFixed(1)} ms each; cached: ${warm[1].toFixed(1)} ms in all`,
);
await assay.close();
