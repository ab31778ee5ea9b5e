import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { describe, expect, it } from "vitest";
import { type Assay, createAssay } from "../src/index.js";
import { appDir, FIXED_BACKEND_MODULE } from "./helpers.js";

const VARIANTS =
  'variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]';

function manifest(experiments: string, env?: string, source = '"@assay/experiment-hash"') {
  return parseManifest(
    `[[plugins]]\nname = "backend"\nsource = ${source}\n${experiments}`,
    join(process.cwd(), "assay.toml"),
    { env },
  );
}

async function client(experiments: string, options: { env?: string; store?: MemoryEventStore } = {}) {
  return createAssay({
    manifest: manifest(experiments, options.env),
    store: options.store ?? new MemoryEventStore(),
    handleSignals: false,
  });
}

const fr = (id: string, attributes: Record<string, string> = { country: "FR", app_version: "2.4.0" }) =>
  ExperimentContext.forUser(id).withAttributes(attributes);

const TARGETED = `
[[plugins.experiments]]
id = "checkout"
${VARIANTS}
forced = { treatment = ["qa-alice"], control = ["qa-bob"] }
[plugins.experiments.targeting]
include = ["country in [FR, DE]", "app_version >= 2.3.0"]
exclude = ['email matches "@internal\\.test$"']
`;

function routeOf(assay: Assay, id: string) {
  return (assay as unknown as { routes: Map<string, { policy?: unknown }> }).routes.get(id)!;
}

describe("targeting, then traffic, then variant", () => {
  it("units failing targeting get control, not enrolled, reason targeting", async () => {
    const assay = await client(TARGETED);
    for (const ctx of [
      fr("u1", { country: "IT", app_version: "2.4.0" }),
      fr("u2", { country: "FR", app_version: "2.2.9" }),
      fr("u3", { country: "FR", app_version: "2.4.0", email: "x@internal.test" }),
      ExperimentContext.forUser("u4"),
    ]) {
      expect(assay.assign("checkout", ctx)).toEqual({
        experiment: "checkout",
        variantId: "control",
        isControl: true,
        inExperiment: false,
        reason: "targeting",
      });
    }
    const enrolled = assay.assign("checkout", fr("u5"));
    expect(enrolled).toMatchObject({ inExperiment: true, reason: "hash" });
    await assay.close();
  });

  it("targeting is checked before traffic: with traffic 0, a failing unit says targeting, a passing one traffic", async () => {
    const assay = await client(TARGETED.replace("forced =", "traffic = 0\nforced ="));
    expect(assay.assign("checkout", fr("u1", { country: "IT", app_version: "3.0.0" })).reason).toBe(
      "targeting",
    );
    expect(assay.assign("checkout", fr("u1")).reason).toBe("traffic");
    await assay.close();
  });

  it("a unit missing its id fails targeting first, then is anonymous", async () => {
    const assay = await client(TARGETED);
    const anonymous = ExperimentContext.anonymous({ sessionId: "s1" });
    expect(assay.assign("checkout", anonymous).reason).toBe("targeting");
    expect(
      assay.assign("checkout", anonymous.withAttributes({ country: "FR", app_version: "2.3.0" })).reason,
    ).toBe("anonymous");
    await assay.close();
  });

  it("applies to every backend, evaluated by the runtime before it", async () => {
    const dir = await appDir({ "fixed.mjs": FIXED_BACKEND_MODULE });
    const parsed = parseManifest(
      `[[plugins]]\nname = "fixed"\nsource = "./fixed.mjs"\noptions = { always = "treatment" }\n${TARGETED}`,
      join(dir, "assay.toml"),
    );
    const assay = await createAssay({
      manifest: parsed,
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    expect(assay.assign("checkout", fr("u1", { country: "IT" })).reason).toBe("targeting");
    expect(assay.assign("checkout", fr("u1"))).toMatchObject({ variantId: "treatment", reason: "hash" });
    expect(assay.assign("checkout", fr("qa-bob"))).toMatchObject({ variantId: "control", reason: "forced" });
    await assay.close();
  });

  it("experiments without targeting, forced, sticky, layer or kill switch get no policy (the fast path)", async () => {
    const assay = await client(`[[plugins.experiments]]\nid = "plain"\n${VARIANTS}\n${TARGETED}`);
    expect(routeOf(assay, "plain").policy).toBeUndefined();
    expect(routeOf(assay, "checkout").policy).toBeDefined();
    await assay.close();
  });
});

describe("forced units and the kill switch", () => {
  it("forced units get their variant whatever targeting says, not enrolled, and expose records nothing", async () => {
    const store = new MemoryEventStore();
    const assay = await client(TARGETED, { store });
    const alice = fr("qa-alice", { country: "IT" }); // fails targeting: forced comes first
    const forced = assay.assign("checkout", alice);
    expect(forced).toEqual({
      experiment: "checkout",
      variantId: "treatment",
      isControl: false,
      inExperiment: false,
      reason: "forced",
    });
    expect(assay.assign("checkout", fr("qa-bob"))).toMatchObject({ variantId: "control", reason: "forced" });
    await assay.expose(forced, alice);
    // even a Variant rebuilt as enrolled is not counted when it says forced
    await assay.expose({ ...forced, inExperiment: true }, alice);
    const enrolled = assay.assign("checkout", fr("u5"));
    await assay.expose(enrolled, fr("u5"));
    await assay.flush();
    expect(store.all().map((e) => e.userId)).toEqual(["u5"]);
    await assay.close();
  });

  it("a disabled experiment serves control to everyone, forced units too, on any backend", async () => {
    const assay = await client(TARGETED.replace("forced =", "enabled = false\nforced ="));
    for (const ctx of [fr("qa-alice"), fr("u5"), fr("u1", { country: "IT" })]) {
      expect(assay.assign("checkout", ctx)).toMatchObject({
        variantId: "control",
        inExperiment: false,
        reason: "disabled",
      });
    }
    await assay.close();
    const dir = await appDir({ "fixed.mjs": FIXED_BACKEND_MODULE });
    const parsed = parseManifest(
      `[[plugins]]\nname = "fixed"\nsource = "./fixed.mjs"\noptions = { always = "treatment" }\n[[plugins.experiments]]\nid = "off"\nenabled = false\n${VARIANTS}`,
      join(dir, "assay.toml"),
    );
    const fixed = await createAssay({
      manifest: parsed,
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    expect(fixed.assign("off", fr("u1"))).toMatchObject({ variantId: "control", reason: "disabled" });
    await fixed.close();
  });
});

describe("environments at runtime", () => {
  const ENVIRONMENTS = `
[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 100, is_control = true }, { id = "treatment", weight = 0 }]
[plugins.experiments.env.staging]
weights = { control = 0, treatment = 100 }
forced = { control = ["qa-carol"] }
[plugins.experiments.env.production]
enabled = false
`;

  it("runs the selected environment's weights, forced units and kill switch", async () => {
    const base = await client(ENVIRONMENTS);
    const staging = await client(ENVIRONMENTS, { env: "staging" });
    const production = await client(ENVIRONMENTS, { env: "production" });
    for (let i = 0; i < 200; i++) {
      const ctx = ExperimentContext.forUser(`u${i}`);
      expect(base.assign("checkout", ctx).variantId).toBe("control");
      expect(staging.assign("checkout", ctx)).toMatchObject({ variantId: "treatment", reason: "hash" });
      expect(production.assign("checkout", ctx).reason).toBe("disabled");
    }
    expect(staging.assign("checkout", ExperimentContext.forUser("qa-carol")).reason).toBe("forced");
    await Promise.all([base.close(), staging.close(), production.close()]);
  });

  it("reads ASSAY_ENV when createAssay loads the manifest", async () => {
    const dir = await appDir({
      "assay.toml": `[[plugins]]\nname = "h"\nsource = "@assay/experiment-hash"\n${ENVIRONMENTS}`,
    });
    const previous = process.env.ASSAY_ENV;
    process.env.ASSAY_ENV = "staging";
    try {
      const assay = await createAssay({
        manifest: join(dir, "assay.toml"),
        store: new MemoryEventStore(),
        handleSignals: false,
      });
      expect(assay.assign("checkout", ExperimentContext.forUser("u1")).variantId).toBe("treatment");
      await assay.close();
      const explicit = await createAssay({
        manifest: join(dir, "assay.toml"),
        env: "production",
        store: new MemoryEventStore(),
        handleSignals: false,
      });
      expect(explicit.assign("checkout", ExperimentContext.forUser("u1")).reason).toBe("disabled");
      await explicit.close();
    } finally {
      if (previous === undefined) delete process.env.ASSAY_ENV;
      else process.env.ASSAY_ENV = previous;
    }
  });
});
