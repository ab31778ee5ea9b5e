// The Fastify plugin's overhead per request: the same route with and without @assay/fastify, in one run,
// autocannon on loopback, rounds interleaved so that a noisy neighbour hits every variant alike.
// `node bench/overhead.mjs` after `turbo run build --filter=@assay/fastify...`; BENCH_SECONDS per run (1),
// BENCH_ROUNDS (3), BENCH_CONNECTIONS (10).
import { fork } from "node:child_process";
import { cpus } from "node:os";
import autocannon from "autocannon";

const seconds = Number(process.env.BENCH_SECONDS ?? 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

// A returning visitor on a desktop Chrome: the user agent the bot check reads on every exposure.
const BROWSER =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const servers = fork(new URL("./servers.mjs", import.meta.url), { stdio: "inherit" });
const { ports, cookie } = await new Promise((resolve) => servers.once("message", resolve));
const cpu = () =>
  new Promise((resolve) => {
    servers.once("message", (m) => resolve(m.cpu));
    servers.send("cpu");
  });
const load = (port, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `http://127.0.0.1:${port}/`,
        connections,
        duration,
        headers: { cookie, "user-agent": BROWSER },
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );

const names = Object.keys(ports);
/** One autocannon run; adds the server's CPU µs per request to the result. */
async function run(port, duration) {
  const before = await cpu();
  const result = await load(port, duration);
  result.cpuPerRequest = ((await cpu()) - before) / result.requests.total;
  return result;
}
for (const name of names) await run(ports[name], 1); // warm-up: JIT, connections

// Each comparison runs as A B B A per round, which cancels a load that drifts linearly over the round. Two
// figures per round: the server's CPU time per request (B + B) / (A + A) - 1, little disturbed by the other
// processes of a shared machine, and the requests per second (B + B) / (A + A) - 1; the medians over rounds.
const pairs = [
  ["bare", "plugin", "plugin registered, route not using it"],
  ["by-hand", "plugin-ab", "assign + expose through the plugin vs by hand"],
];
const rps = Object.fromEntries(names.map((n) => [n, []]));
const cpus_ = Object.fromEntries(names.map((n) => [n, []]));
const ratios = pairs.map(() => []);
const cpuRatios = pairs.map(() => []);
let errors = 0;
for (let round = 0; round < rounds; round++) {
  for (const [i, [a, b]] of pairs.entries()) {
    const got = {};
    const used = {};
    for (const name of [a, b, b, a]) {
      const result = await run(ports[name], seconds);
      errors += result.errors + result.non2xx;
      const perSecond = result.requests.total / result.duration;
      rps[name].push(perSecond);
      cpus_[name].push(result.cpuPerRequest);
      got[name] = (got[name] ?? 0) + perSecond;
      used[name] = (used[name] ?? 0) + result.cpuPerRequest;
    }
    ratios[i].push(got[b] / got[a] - 1);
    cpuRatios[i].push(used[b] / used[a] - 1);
  }
}
servers.send("stop");

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, ${connections} connections, ${rounds} rounds of A B B A x ${seconds} s, errors ${errors}`,
);
for (const name of names) {
  console.log(
    `${name.padEnd(10)} median ${median(rps[name]).toFixed(0).padStart(6)} req/s, server CPU ${median(cpus_[name]).toFixed(1)} µs/request`,
  );
}
for (const [i, [a, b, label]] of pairs.entries()) {
  console.log(`${label} [${b} vs ${a}]:`);
  console.log(
    `  server CPU per request ${pct(median(cpuRatios[i]))} (rounds: ${cpuRatios[i].map(pct).join(", ")})`,
  );
  console.log(
    `  requests per second    ${pct(median(ratios[i]))} (rounds: ${ratios[i].map(pct).join(", ")})`,
  );
}
