import type { ExperimentContext } from "@assay/core";
import { type Assay, createAssay } from "@assay/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildDashboardApp, type DashboardReport, type Evaluation } from "../../src/index.js";
import { manifestFile } from "./support.js";

const manifest = (value: string, extra = "") => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "banner"
variants = [{ id = "control", weight = 1, is_control = true, value = "${value}" }, { id = "shown", weight = 0 }]
${extra}`;
const FRESH = `
[[plugins.experiments]]
id = "fresh"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]
`;

let before: Assay;
let after: Assay;
beforeAll(async () => {
  before = await createAssay({ manifest: manifestFile(manifest("old")), handleSignals: false });
  after = await createAssay({ manifest: manifestFile(manifest("new", FRESH)), handleSignals: false });
});
afterAll(async () => {
  await before?.close();
  await after?.close();
});

it("a client whose manifestVersion changes (a reloaded manifest) is evaluated with its new experiments", async () => {
  let current = before;
  let version = "v1";
  // What a reloading client looks like to the routes: the same object, a new manifestVersion.
  const evaluation: Evaluation = {
    get manifestVersion() {
      return version;
    },
    experiments: () => current.experiments(),
    assign: (id: string, ctx: ExperimentContext) => current.assign(id, ctx),
    get flags() {
      return current.flags;
    },
  };
  const app = await buildDashboardApp({
    open: async () => ({
      storeName: "memory",
      experiments: () => current.experiments(),
      summarize: (id, options) => current.summarize(id, options),
      report: () => ({}) as DashboardReport,
      evaluation,
    }),
  });
  const ask = async (key = "banner") =>
    app.inject({
      method: "POST",
      url: `/ofrep/v1/evaluate/flags/${key}`,
      payload: { context: { targetingKey: "u1" } },
    });
  const first = (await ask()).json();
  expect(first.value).toBe("old");
  expect((await ask("fresh")).statusCode).toBe(404);
  // The client swapped its manifest and says so with a new manifestVersion: the routes rebuild their view.
  current = after;
  version = "v2";
  const second = (await ask()).json();
  expect(second.value).toBe("new");
  expect(second.metadata.configVersion).not.toBe(first.metadata.configVersion);
  const fresh = await ask("fresh");
  expect(fresh.statusCode).toBe(200);
  const bulk = await app.inject({
    method: "POST",
    url: "/ofrep/v1/evaluate/flags",
    payload: { context: { targetingKey: "u1" } },
  });
  expect(bulk.json().flags.map((f: { key: string }) => f.key)).toEqual(["banner", "fresh"]);
  await app.close();
});
