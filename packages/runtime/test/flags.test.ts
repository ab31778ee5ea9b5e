import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";

const users = Array.from({ length: 2000 }, (_, i) => ExperimentContext.forUser(`user-${i}`));

describe("through createAssay", () => {
  const MANIFEST = `
[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]

[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = 0.3
targeting = { include = ["plan == pro"] }

[plugins.flags.env.staging]
rollout = 1

[[plugins.flags]]
key = "copy"
variants = { short = 1, long = 1 }
off = "classic"
enabled = false
`;

  it("assay.flags answers from the manifest, per environment, and records nothing", async () => {
    const store = new MemoryEventStore();
    const open = (env?: string) =>
      createAssay({
        manifest: parseManifest(MANIFEST, join(process.cwd(), "assay.toml"), { env }),
        store,
        handleSignals: false,
      });
    const production = await open();
    const staging = await open("staging");
    const pro = users.slice(0, 2000).map((u) => u.withAttribute("plan", "pro"));
    const share = pro.filter((ctx) => production.flags.isEnabled("new_checkout", ctx)).length / pro.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(pro.every((ctx) => staging.flags.isEnabled("new_checkout", ctx))).toBe(true);
    expect(staging.flags.isEnabled("new_checkout", users[0]!)).toBe(false); // no plan: targeting
    expect(production.flags.variant("copy", pro[0]!, "x")).toBe("classic");
    expect(production.flags.isEnabled("undeclared", pro[0]!)).toBe(false);
    expect(production.flags.keys()).toEqual(["new_checkout", "copy"]);
    // the declarations, env applied: a boolean flag has no variants, a string flag has them
    expect(production.flags.definition("new_checkout")).toMatchObject({ key: "new_checkout", rollout: 0.3 });
    expect(production.flags.definition("new_checkout")?.variants).toBeUndefined();
    expect(staging.flags.definition("new_checkout")?.rollout).toBe(1);
    expect(production.flags.definition("copy")?.variants?.length).toBeGreaterThan(0);
    expect(production.flags.definition("undeclared")).toBeUndefined();
    await production.flush();
    await staging.flush();
    expect(store.all()).toEqual([]);
    await production.close();
    await staging.close();
  });
});
