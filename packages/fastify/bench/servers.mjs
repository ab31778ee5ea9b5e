// The benchmark's servers, in a process of their own so autocannon does not share their event loop. Four apps
// serve the same route GET / and the same body; they differ only in how Assay is wired:
//   bare       no plugin, the handler returns the page;
//   plugin     @assay/fastify registered, the handler does not touch request.assay (the hooks' fixed cost);
//   by-hand    no plugin, the handler reads the visitor cookie itself, assigns and exposes (ssr-shop before);
//   plugin-ab  @assay/fastify registered, the handler assigns and exposes through request.assay (signed cookie).
// Prints {"ports": {...}, "cookie": "..."} once listening.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import Fastify from "fastify";
import { assayPlugin } from "../dist/index.js";

const EXPERIMENT = "checkout_button_color";
const SECRET = "bench-secret-0123456789abcdef0123456789";
const dir = await mkdtemp(join(tmpdir(), "assay-fastify-bench-"));
await writeFile(
  join(dir, "assay.toml"),
  `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "${EXPERIMENT}"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`,
);
// In memory: the store's cost is the same with and without the plugin, and a disk would only add noise.
const assay = await createAssay({
  manifest: join(dir, "assay.toml"),
  store: new MemoryEventStore(),
  handleSignals: false,
});
const PAGE = `<!doctype html><p>${"product ".repeat(40)}</p>`;
const plugin = { assay, unit: [{ from: "cookie", secret: SECRET }] };

const apps = {
  bare: Fastify(),
  plugin: Fastify().register(assayPlugin, plugin),
  "by-hand": Fastify(),
  "plugin-ab": Fastify().register(assayPlugin, plugin),
};
apps.bare.get("/", async (_request, reply) => reply.type("text/html").send(PAGE));
apps.plugin.get("/", async (_request, reply) => reply.type("text/html").send(PAGE));
apps["by-hand"].get("/", async (request, reply) => {
  const id = /(?:^|;\s*)assay_visitor=([0-9a-f-]{36})/.exec(request.headers.cookie ?? "")?.[1] ?? "anonymous";
  const ctx = ExperimentContext.forUser(id);
  const variant = assay.assign(EXPERIMENT, ctx);
  void assay.expose(variant, ctx);
  return reply.type("text/html").send(`${PAGE}${variant.variantId}`);
});
apps["plugin-ab"].get("/", async (request, reply) => {
  const variant = request.assay.assign(EXPERIMENT);
  request.assay.expose(variant);
  return reply.type("text/html").send(`${PAGE}${variant.variantId}`);
});

const ports = {};
for (const [name, app] of Object.entries(apps)) {
  await app.listen({ port: 0, host: "127.0.0.1" });
  ports[name] = app.server.address().port;
}
// A returning visitor's cookie, signed by the plugin itself: ask it once.
const first = await fetch(`http://127.0.0.1:${ports["plugin-ab"]}/`);
const cookie = first.headers.getSetCookie()[0].split(";")[0];
process.send({ ports, cookie });
process.on("message", async (message) => {
  // The CPU this process used so far (user + system, µs): the bench divides its growth over a run by the
  // requests served, a figure other processes on the machine disturb far less than requests per second.
  if (message === "cpu") {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
    return;
  }
  if (message !== "stop") return;
  for (const app of Object.values(apps)) await app.close();
  await assay.close();
  process.exit(0);
});
