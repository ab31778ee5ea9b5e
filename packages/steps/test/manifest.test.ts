import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext, MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStepExperiments, experiment, MemoryMemoStore } from "../src/index.js";

const MANIFEST = `
attributes = ["account"]

[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "payments_provider"
unit = "account"
variants = [
  { id = "stripe", weight = 90, is_control = true },
  { id = "adyen",  weight = 10 },
]

[[plugins.experiments]]
id = "checkout_flow"
traffic = 0.5
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "one_page", weight = 50 },
]
`;

type Assay = Awaited<ReturnType<typeof createAssay>>;
let assay: Assay;
let store: MemoryEventStore;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "assay-steps-"));
  await writeFile(join(dir, "assay.toml"), MANIFEST);
  store = new MemoryEventStore();
  assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
});
afterAll(() => assay.close());

const keys = Array.from({ length: 300 }, (_, i) => `acct-${i}`);

describe("experiment.bucket delegating to assay.toml", () => {
  it("gives a unit the same variant as the web side's assay.assign (attribute unit)", async () => {
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const worker: string[] = [];
    for (const key of keys) {
      worker.push(
        await steps.run(`charge-${key}`, ({ step, group }) =>
          group.experiment("payments_provider", {
            variants: {
              stripe: () => step.run("charge-stripe", () => "stripe"),
              adyen: () => step.run("charge-adyen", () => "adyen"),
            },
            select: experiment.bucket(key, { manifest: true }),
          }),
        ),
      );
    }
    const web = keys.map(
      (key) =>
        assay.assign("payments_provider", ExperimentContext.anonymous().withAttribute("account", key))
          .variantId,
    );
    expect(worker).toEqual(web);
    expect(new Set(worker)).toEqual(new Set(["stripe", "adyen"]));
    await assay.flush();
    const summary = await assay.summarize("payments_provider");
    const exposed = Object.fromEntries(summary.variants.map((v) => [v.variantId, v.exposedUnits]));
    expect(exposed).toEqual({
      stripe: worker.filter((v) => v === "stripe").length,
      adyen: worker.filter((v) => v === "adyen").length,
    });
  });

  it("follows the manifest's traffic: units outside it get control and no exposure, like on the web", async () => {
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const worker: string[] = [];
    for (const key of keys) {
      worker.push(
        await steps.run(`checkout-${key}`, ({ step, group }) =>
          group.experiment("email-followup", {
            variants: {
              control: () => step.run("control", () => "control"),
              one_page: () => step.run("one-page", () => "one_page"),
            },
            select: experiment.bucket(key, { manifest: "checkout_flow" }),
          }),
        ),
      );
    }
    const webVariants = keys.map((key) => assay.assign("checkout_flow", ExperimentContext.forUser(key)));
    expect(worker).toEqual(webVariants.map((v) => v.variantId));
    await assay.flush();
    const summary = await assay.summarize("checkout_flow");
    const exposedUnits = summary.variants.reduce((n, v) => n + v.exposedUnits, 0);
    expect(exposedUnits).toBe(webVariants.filter((v) => v.inExperiment).length);
    expect(exposedUnits).toBeLessThan(keys.length * 0.6);
    expect(exposedUnits).toBeGreaterThan(keys.length * 0.4);
  });

  it("scores of a delegated experiment go through assay.track, attributed to the unit", async () => {
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const out = await steps.run("charge-scored", ({ step, group }) =>
      group.experiment("payments_provider", {
        variants: {
          stripe: async (v) => {
            await step.run("charge-stripe", () => "ok");
            await v.score("charge_succeeded", true);
          },
          adyen: async (v) => {
            await step.run("charge-adyen", () => "ok");
            await v.score("charge_succeeded", true);
          },
        },
        select: experiment.bucket("acct-scored", { manifest: true }),
        withVariant: true,
      }),
    );
    expect(out.ref).toMatchObject({ experiment: "payments_provider", via: "assay" });
    await steps.score(out.ref, "refunded", false);
    await assay.flush();
    const metrics = (await assay.summarize("payments_provider")).metrics.map((m) => m.metric).sort();
    expect(metrics).toEqual(["charge_succeeded", "refunded"]);
  });

  it("a keyless run, when allowed, is an anonymous unit: control, no exposure, scores ignored", async () => {
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const before = store.all().length;
    const out = await steps.run("keyless", ({ step, group }) =>
      group.experiment("payments_provider", {
        variants: {
          stripe: async (v) => {
            await step.run("charge-stripe", () => "ok");
            await v.score("charge_succeeded", true);
            return "stripe";
          },
          adyen: () => step.run("charge-adyen", () => "adyen"),
        },
        select: experiment.bucket(undefined, { manifest: true, allowMissingKey: true }),
        withVariant: true,
      }),
    );
    expect(out.variant).toBe("stripe");
    await steps.score(out.ref, "refunded", true);
    await assay.flush();
    expect(store.all().length).toBe(before);
  });

  it("fails with what to fix when the manifest and the code disagree", async () => {
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const run = (id: string, variants: string[], manifest: string | true) =>
      steps
        .run(`r-${id}-${variants.join()}`, ({ step, group }) =>
          group.experiment(id, {
            variants: Object.fromEntries(variants.map((v) => [v, () => step.run(v, () => v)])),
            select: experiment.bucket("acct-1", { manifest }),
          }),
        )
        .catch((e: Error) => e.message);
    expect(await run("payments_provider", ["stripe", "paypal"], true)).toBe(
      'group.experiment("payments_provider"): the variants must be those of assay.toml experiment "payments_provider" ("stripe", "adyen"); not in assay.toml: "paypal"; missing from variants: "adyen"',
    );
    expect(await run("payment", ["stripe", "adyen"], true)).toBe(
      'group.experiment("payment"): experiment.bucket() delegates to "payment", which assay.toml does not declare; declared experiments: "payments_provider", "checkout_flow"',
    );
    const noAssay = createStepExperiments({ store: new MemoryEventStore(), memo: new MemoryMemoStore() });
    await expect(
      noAssay.run("r", ({ step, group }) =>
        group.experiment("payments_provider", {
          variants: { stripe: () => step.run("s", () => 1), adyen: () => step.run("a", () => 2) },
          select: experiment.bucket("acct-1", { manifest: true }),
        }),
      ),
    ).rejects.toThrow("needs an Assay client; pass { assay } (from createAssay) to createStepExperiments");
  });
});
