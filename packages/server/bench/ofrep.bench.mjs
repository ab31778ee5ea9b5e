// OFREP evaluations per second and their latency over loopback, beside the in-process `assign` measured in
// the same run. The server (`assay serve`'s app, an evaluate key, experiment-hash and flags-local) runs in
// its own process, pinned to one core with taskset when it exists; autocannon drives it from this process.
// Each request evaluates a different user id (10,000 ids in turn), so nothing is served from a cache the
// client could not also hit in production.
// Besides requests per second and latency it reports the server process's CPU time per request, which the
// other processes of a shared machine disturb far less, and the capacity of one core that implies.
// Run: npm run bench:ofrep (after building: npx tsc -p tsconfig.build.json).
// ASSAY_BENCH_SECONDS (default 3) per scenario, ASSAY_BENCH_CONNECTIONS (default 10).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import autocannon from "autocannon";

const SECONDS = Number(process.env.ASSAY_BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.ASSAY_BENCH_CONNECTIONS ?? 10);
const KEY = "bench-evaluate-key-0123456789";
const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 4000, is_control = true },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 3000, value = { steps = 2, copy = "Buy now" } },
]

[[plugins.experiments]]
id = "pricing"
traffic = 0.5
variants = [{ id = "control", weight = 1, is_control = true, value = 9.99 }, { id = "cheaper", weight = 1, value = 7.99 }]

[[plugins.experiments]]
id = "onboarding"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "video", weight = 1 }, { id = "tour", weight = 1 }]

[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = 0.25

[[plugins.flags]]
key = "copy"
variants = { short = 1, long = 3 }
off = "classic"
`;

const dir = mkdtempSync(join(tmpdir(), "assay-ofrep-bench-"));
const manifest = join(dir, "assay.toml");
writeFileSync(manifest, MANIFEST);
const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i.toString(36)}-${(i * 2654435761) >>> 0}`);
const bodies = ids.map((id) => JSON.stringify({ context: { targetingKey: id, plan: "pro" } }));

const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const command = pinned ? "taskset" : process.execPath;
const args = [...(pinned ? ["-c", "0", process.execPath] : []), "bench/ofrep-server.mjs", manifest, KEY];
const server = spawn(command, args, { stdio: ["ignore", "pipe", "inherit", "ipc"] });
const cpu = () =>
  new Promise((resolve) => {
    server.once("message", (usage) => resolve((usage.user + usage.system) / 1000));
    server.send("cpu");
  });
const url = await new Promise((resolve, reject) => {
  server.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk)).url));
  server.once("exit", (code) => reject(new Error(`the server exited ${code}`)));
});

async function load(path) {
  let next = 0;
  const cpuBefore = await cpu();
  const result = await autocannon({
    url: new URL(path, url).href,
    method: "POST",
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request) => {
          request.body = bodies[next++ % bodies.length];
          return request;
        },
      },
    ],
  });
  const cpuMs = (await cpu()) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    cpuMicros: (cpuMs * 1000) / result.requests.total,
  };
}

// Warm the server's JIT before measuring.
await autocannon({
  url: new URL("/ofrep/v1/evaluate/flags/checkout", url).href,
  method: "POST",
  duration: 1,
  connections: CONNECTIONS,
  headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
  body: bodies[0],
});
const single = await load("/ofrep/v1/evaluate/flags/checkout");
const bulk = await load("/ofrep/v1/evaluate/flags");
server.kill("SIGTERM");

// The in-process client on the same ids, in this process: what an app calling assign() itself pays.
const assay = await createAssay({ manifest, handleSignals: false });
const contexts = ids.map((id) => ExperimentContext.forUser(id).withAttribute("plan", "pro"));
let sink = 0;
for (let i = 0; i < 200_000; i++)
  sink += assay.assign("checkout", contexts[i % contexts.length]).isControl ? 1 : 0;
const runs = 2_000_000;
const t0 = performance.now();
for (let i = 0; i < runs; i++)
  sink += assay.assign("checkout", contexts[i % contexts.length]).isControl ? 1 : 0;
const assignMs = performance.now() - t0;
await assay.close();

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const perCore = (r) =>
  `server CPU ${r.cpuMicros.toFixed(1)} µs/request = ${fmt(1e6 / r.cpuMicros)} requests/s on one core`;
const lines = [
  `machine: ${cpus()[0]?.model} x${cpus().length}, node ${process.version}, load average ${loadavg()[0].toFixed(1)}; server ${pinned ? "pinned to core 0" : "not pinned (no taskset)"}`,
  `autocannon: ${CONNECTIONS} connections, ${SECONDS} s per scenario, 10,000 distinct ids, keep-alive, Bearer key`,
  `OFREP single  POST /ofrep/v1/evaluate/flags/checkout  ${fmt(single.perSecond)} evaluations/s   p50 ${single.p50} ms   p99 ${single.p99} ms   (${fmt(single.total)} requests)`,
  `              ${perCore(single)}`,
  `OFREP bulk    POST /ofrep/v1/evaluate/flags (5 keys)   ${fmt(bulk.perSecond)} requests/s = ${fmt(bulk.perSecond * 5)} evaluations/s   p50 ${bulk.p50} ms   p99 ${bulk.p99} ms`,
  `              ${perCore(bulk)}`,
  `in-process    assay.assign("checkout", ctx)            ${fmt((runs / assignMs) * 1000)} assigns/s   (${((assignMs * 1e6) / runs).toFixed(0)} ns each)`,
];
console.log(lines.join("\n"));
if (sink < 0) console.log(sink); // keeps the loop's result alive
