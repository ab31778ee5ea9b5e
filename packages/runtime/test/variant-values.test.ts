import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import { appDir, FIXED_BACKEND_MODULE } from "./helpers.js";

const VALUED = `
[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 4000, is_control = true, value = "classic" },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 3000, value = { steps = 2, copy = "Buy now" } },
]
`;

async function client(experiments: string, source = '"@assay/experiment-hash"', dir = process.cwd()) {
  return createAssay({
    manifest: parseManifest(
      `[[plugins]]\nname = "backend"\nsource = ${source}\n${source.includes("fixed") ? 'options = { always = "treatment-b" }\n' : ""}${experiments}`,
      join(dir, "assay.toml"),
    ),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
}

const VALUES: Record<string, unknown> = {
  control: "classic",
  "treatment-a": "streamlined-checkout",
  "treatment-b": { steps: 2, copy: "Buy now" },
};

describe("assign returns the variant's value", () => {
  it("on every enrolled answer, the same frozen object each time (nothing allocated per call)", async () => {
    const assay = await client(VALUED);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const ctx = ExperimentContext.forUser(`u${i}`);
      const variant = assay.assign("checkout", ctx);
      expect(variant.value).toEqual(VALUES[variant.variantId]);
      expect(assay.assign("checkout", ctx)).toBe(variant);
      seen.add(variant.variantId);
    }
    expect(seen).toEqual(new Set(Object.keys(VALUES)));
    await assay.close();
  });

  it("control's value for units not enrolled: anonymous, disabled, targeting, traffic, forced", async () => {
    const extra = `${VALUED}traffic = 0.5\nforced = { "treatment-a" = ["qa-alice"] }\ntargeting = { include = ["country == FR"] }\n`;
    const assay = await client(extra);
    const fr = (id: string) => ExperimentContext.forUser(id).withAttributes({ country: "FR" });
    expect(
      assay.assign("checkout", ExperimentContext.anonymous().withAttributes({ country: "FR" })),
    ).toMatchObject({
      reason: "anonymous",
      value: "classic",
    });
    expect(assay.assign("checkout", ExperimentContext.forUser("u1"))).toMatchObject({
      reason: "targeting",
      value: "classic",
    });
    expect(assay.assign("checkout", fr("qa-alice"))).toMatchObject({
      reason: "forced",
      variantId: "treatment-a",
      value: "streamlined-checkout",
    });
    const reasons = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const v = assay.assign("checkout", fr(`u${i}`));
      reasons.add(v.reason);
      expect(v.value).toEqual(VALUES[v.variantId]);
    }
    expect(reasons).toEqual(new Set(["hash", "traffic"]));
    await assay.close();
    const off = await client(`${VALUED}enabled = false\n`);
    expect(off.assign("checkout", ExperimentContext.forUser("u1"))).toMatchObject({
      reason: "disabled",
      value: "classic",
    });
    expect(off.assignOrControl("nope", ExperimentContext.forUser("u1")).value).toBeUndefined();
    expect(off.assignOrControl("checkout", null as never)).toMatchObject({
      reason: "error",
      value: "classic",
    });
    await off.close();
  });

  it("a backend that knows no values (an app's own plugin) gets them put on its answers", async () => {
    const dir = await appDir({ "fixed.mjs": FIXED_BACKEND_MODULE });
    const assay = await client(VALUED, '"./fixed.mjs"', dir);
    const variant = assay.assign("checkout", ExperimentContext.forUser("u1"));
    expect(variant).toMatchObject({ variantId: "treatment-b", reason: "hash", value: VALUES["treatment-b"] });
    expect(Object.isFrozen(variant)).toBe(true);
    await assay.close();
  });

  it("a variant without a value has no value key; experiments without values are untouched", async () => {
    const assay = await client(`
[[plugins.experiments]]
id = "plain"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "t", weight = 50 }]
`);
    const variant = assay.assign("plain", ExperimentContext.forUser("u1"));
    expect(variant).not.toHaveProperty("value");
    await assay.close();
  });
});

describe("an environment's own variant set", () => {
  it("is what assign serves in that environment: its ids, weights and values", async () => {
    const text = `[[plugins]]\nname = "backend"\nsource = "@assay/experiment-hash"\n${VALUED}
[plugins.experiments.env.staging]
variants = [
  { id = "control", weight = 1, is_control = true, value = "classic" },
  { id = "beta", weight = 1, value = "beta-checkout" },
]
`;
    const open = (env?: string) =>
      createAssay({
        manifest: parseManifest(text, join(process.cwd(), "assay.toml"), { env }),
        store: new MemoryEventStore(),
        handleSignals: false,
      });
    const staging = await open("staging");
    const production = await open();
    const stagingIds = new Set<string>();
    const productionIds = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const ctx = ExperimentContext.forUser(`u${i}`);
      const s = staging.assign("checkout", ctx);
      stagingIds.add(s.variantId);
      expect(s.value).toBe(s.variantId === "beta" ? "beta-checkout" : "classic");
      productionIds.add(production.assign("checkout", ctx).variantId);
    }
    expect(stagingIds).toEqual(new Set(["control", "beta"]));
    expect(productionIds).toEqual(new Set(Object.keys(VALUES)));
    await staging.close();
    await production.close();
  });
});
