// Live reload, three figures in one run (after a build; `node bench/reload.mjs`):
// 1. assign throughput of a client that watches its manifest against one that does not, same manifest, same
//    ids, each with a timing loop of its own, in A B B A rounds (the order cancels drift in a shared VM);
// 2. the time a reload takes for a manifest of 200 experiments (read, parse, validate, plugins, backends,
//    swap), alternating two texts so each reload swaps;
// 3. kill-switch latency: from writing `enabled = false` (file watch, default 100 ms debounce) or serving it
//    (URL polled every POLL_MS) to the first assign that answers "disabled".
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.1);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 20);
const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 250);

const experiment = (id, weight, extra = "") => `
[[plugins.experiments]]
id = "${id}"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = ${weight} }]
${extra}`;
const manifest = (count, weight, extra = "") =>
  `[[plugins]]\nname = "experiment-hash"\nsource = "@assay/experiment-hash"\n${Array.from(
    { length: count },
    (_, i) => experiment(`exp_${i}`, weight, i === 0 ? extra : ""),
  ).join("")}`;

const dir = mkdtempSync(join(tmpdir(), "assay-reload-bench-"));
const file = (name, text) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const options = { store: new MemoryEventStore(), handleSignals: false };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}, load ${loadavg()[0].toFixed(1)}`);

// 1. throughput, watched vs not
const flat = (text) => Buffer.from(text, "utf8").toString("utf8");
const contexts = Array.from({ length: 1 << 16 }, (_, i) => ({
  userId: flat(`user-${(i * 2654435761) >>> 0}`),
  attributes: {},
}));
// Two unwatched clients: their ratio is the noise floor of the comparison on this machine.
const plain = await createAssay({ manifest: file("plain.toml", manifest(2, 50)), ...options });
const plain2 = await createAssay({ manifest: file("plain2.toml", manifest(2, 50)), ...options });
const watched = await createAssay({
  manifest: file("watched.toml", manifest(2, 50)),
  watch: true,
  ...options,
});
const LOOP = `
  let ops = 0, sink = 0, i = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let j = 0; j < 8192; j++) { sink += assay.assign("exp_0", contexts[i]).isControl ? 0 : 1; i = (i + 1) & 65535; }
    ops += 8192;
    now = process.hrtime.bigint();
  }
  if (sink === -1) console.log("unreachable");
  return ops / (Number(now - start) / 1e9);`;
const loopOf = (assay) => {
  const loop = new Function("assay", "contexts", "seconds", "process", LOOP);
  return () => loop(assay, contexts, SECONDS, process);
};
const measure = { unwatched: loopOf(plain), "unwatched again": loopOf(plain2), watched: loopOf(watched) };
const names = Object.keys(measure);
for (const name of names) measure[name]();
const rates = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < ROUNDS; r++) {
  // every order in turn, so no case always runs first or last
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (let k = 0; k < names.length; k++) {
    const name = order[(k + r) % names.length];
    rates[name].push(measure[name]());
  }
}
const fmt = (n) => `${(n / 1e6).toFixed(2)} M/s`;
const ratio = (a, b) => (median(rates[a]) / median(rates[b])).toFixed(3);
console.log(`assign, ${ROUNDS} rounds of ${SECONDS}s per case, rotating order (median):`);
console.log(
  `  unwatched ${fmt(median(rates.unwatched))}  unwatched again ${fmt(median(rates["unwatched again"]))}  watched ${fmt(median(rates.watched))}`,
);
console.log(
  `  watched/unwatched ${ratio("watched", "unwatched")}, watched/unwatched again ${ratio("watched", "unwatched again")}, noise floor (unwatched again/unwatched) ${ratio("unwatched again", "unwatched")}`,
);
await plain.close();
await plain2.close();
await watched.close();

// 2. reload time, 200 experiments
const bigPath = file("big.toml", manifest(200, 50));
const big = await createAssay({ manifest: bigPath, ...options });
const durations = [];
for (let i = 0; i < RELOADS; i++) {
  writeFileSync(bigPath, manifest(200, i % 2 === 0 ? 30 : 50));
  const result = await big.reload();
  if (result.status !== "swapped") throw new Error(`reload ${i}: ${result.status}`);
  durations.push(result.durationMs);
}
console.log(
  `reload of a 200-experiment manifest (${RELOADS} reloads): median ${median(durations).toFixed(1)} ms, max ${Math.max(...durations).toFixed(1)} ms`,
);
await big.close();

// 3. kill switch latency
async function killLatency(assay, switchOff, switchOn) {
  const ctx = { userId: "alice", attributes: {} };
  const samples = [];
  for (let k = 0; k < KILLS; k++) {
    const version = assay.version;
    switchOn(k);
    while (assay.version === version) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, Math.random() * POLL_MS)); // a random phase against the poll
    const start = performance.now();
    switchOff(k);
    while (assay.assign("exp_0", ctx).reason !== "disabled") await new Promise((r) => setTimeout(r, 1));
    samples.push(performance.now() - start);
  }
  return samples;
}
const killPath = file("kill.toml", manifest(20, 50));
const fileClient = await createAssay({ manifest: killPath, watch: true, ...options });
const fileSamples = await killLatency(
  fileClient,
  (k) => writeFileSync(killPath, manifest(20, 50 + k, "enabled = false")),
  (k) => writeFileSync(killPath, manifest(20, 60 + k)),
);
await fileClient.close();
let served = manifest(20, 50);
const server = createServer((request, response) => {
  const etag = `"${createHash("sha256").update(served).digest("hex").slice(0, 16)}"`;
  if (request.headers["if-none-match"] === etag) response.writeHead(304, { etag }).end();
  else response.writeHead(200, { etag }).end(served);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/assay.toml`;
const urlClient = await createAssay({ manifest: url, watch: { pollIntervalMs: POLL_MS }, ...options });
const urlSamples = await killLatency(
  urlClient,
  (k) => {
    served = manifest(20, 50 + k, "enabled = false");
  },
  (k) => {
    served = manifest(20, 60 + k);
  },
);
await urlClient.close();
server.close();
const show = (s) => `median ${median(s).toFixed(0)} ms, max ${Math.max(...s).toFixed(0)} ms`;
console.log(`enabled = false to the first "disabled" assign (${KILLS} switches, 20 experiments):`);
console.log(`  file watch (debounce 100 ms): ${show(fileSamples)}`);
console.log(`  URL polled every ${POLL_MS} ms:   ${show(urlSamples)}`);
