import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { type ExperimentContext, MemoryEventStore, type Variant } from "@assay/core";
import { independentPoint, LAYER_SEED } from "@assay/hashing";
import { describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";

const N = 100_000;
const users: ExperimentContext[] = Array.from({ length: N }, (_, i) => ({
  userId: `user-${i}`,
  attributes: {},
}));
const VARIANTS =
  'variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]';

function manifest(
  slots: ReadonlyArray<readonly [id: string, share: number]>,
  traffic: Record<string, number> = {},
) {
  const experiments = slots
    .map(([id]) => `[[plugins.experiments]]\nid = "${id}"\n${VARIANTS}\ntraffic = ${traffic[id] ?? 1}\n`)
    .join("\n");
  const layer = slots.map(([id, share]) => `{ id = "${id}", share = ${share} }`).join(", ");
  return parseManifest(
    `[[plugins]]\nname = "h"\nsource = "@assay/experiment-hash"\n\n${experiments}\n[[layers]]\nid = "checkout_page"\nexperiments = [${layer}]\n`,
    join(process.cwd(), "assay.toml"),
  );
}

async function assignAll(
  slots: ReadonlyArray<readonly [string, number]>,
  traffic: Record<string, number> = {},
) {
  const assay = await createAssay({
    manifest: manifest(slots, traffic),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  const out = new Map<string, Variant[]>();
  for (const [id] of slots)
    out.set(
      id,
      users.map((ctx) => assay.assign(id, ctx)),
    );
  await assay.close();
  return out;
}

const within = (share: number, expected: number) =>
  Math.abs(share - expected) <= 5 * Math.sqrt((expected * (1 - expected)) / N);

describe("mutually exclusive layers, over 100k units", () => {
  it("a unit is in at most one experiment of the layer, and each fills its declared share", async () => {
    const slots = [
      ["button_color", 0.3],
      ["copy_test", 0.2],
      ["hero_image", 0.1],
    ] as const;
    const assigned = await assignAll(slots);
    const owner: (string | undefined)[] = Array.from({ length: N }, () => undefined);
    let wrongOutside = 0;
    for (const [id, share] of slots) {
      const variants = assigned.get(id)!;
      let enrolled = 0;
      let treatment = 0;
      variants.forEach((v, i) => {
        if (!v.inExperiment) {
          if (v.variantId !== "control" || v.reason !== "traffic") wrongOutside++;
          return;
        }
        if (owner[i] !== undefined) expect.fail(`user-${i} is in ${owner[i]} and ${id}`);
        owner[i] = id;
        enrolled++;
        if (v.variantId === "treatment") treatment++;
      });
      expect(within(enrolled / N, share), `${id}: ${enrolled / N} vs ${share}`).toBe(true);
      // the layer's point is independent of the experiment's own hash: its slot still splits 50/50
      expect(Math.abs(treatment / enrolled - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / enrolled));
    }
    expect(wrongOutside).toBe(0);
    expect(within(owner.filter((o) => o === undefined).length / N, 0.4)).toBe(true);
  });

  it("a slot is the half-open interval [start, end) of the unit's layer point", async () => {
    const slots = [
      ["button_color", 0.3],
      ["copy_test", 0.2],
    ] as const;
    const assigned = await assignAll(slots);
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      const point = independentPoint("checkout_page", `user-${i}`, LAYER_SEED);
      const inFirst = point >= 0 && point < 0.3;
      const inSecond = point >= 0.3 && point < 0.5;
      if (assigned.get("button_color")![i]!.inExperiment !== inFirst) mismatches++;
      if (assigned.get("copy_test")![i]!.inExperiment !== inSecond) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("an experiment's own traffic applies inside its slot", async () => {
    const assigned = await assignAll([["button_color", 0.4]], { button_color: 0.5 });
    const enrolled = assigned.get("button_color")!.filter((v) => v.inExperiment).length;
    expect(within(enrolled / N, 0.2)).toBe(true);
  });

  it("adding an experiment to the free part of the layer moves nobody already enrolled", async () => {
    const before = await assignAll([
      ["button_color", 0.3],
      ["copy_test", 0.2],
    ]);
    const after = await assignAll([
      ["button_color", 0.3],
      ["copy_test", 0.2],
      ["hero_image", 0.25],
    ]);
    for (const id of ["button_color", "copy_test"]) {
      const a = before.get(id)!;
      const b = after.get(id)!;
      for (let i = 0; i < N; i++) {
        if (a[i]!.variantId !== b[i]!.variantId || a[i]!.inExperiment !== b[i]!.inExperiment) {
          expect.fail(`user-${i} moved in ${id}: ${a[i]!.variantId} -> ${b[i]!.variantId}`);
        }
      }
    }
    const hero = after.get("hero_image")!;
    let enrolled = 0;
    for (let i = 0; i < N; i++) {
      if (!hero[i]!.inExperiment) continue;
      enrolled++;
      expect(before.get("button_color")![i]!.inExperiment || before.get("copy_test")![i]!.inExperiment).toBe(
        false,
      );
    }
    expect(within(enrolled / N, 0.25)).toBe(true);
  });
});
