import { posthog } from "@assay/hashing";
import { PostHog } from "posthog-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { type ExperimentDefinition, MemoryEventStore, randomIds } from "./helpers.js";

/**
 * PostHog variant percentages that do not sum to 100. posthog-node walks them as written: each variant owns
 * `[sum of the earlier ones, + its own) / 100` of the variant hash, so below 100 the rest of the units get `true`
 * (enabled, no variant) and above 100 the later variants are cut at 1 (100/50: the second never). The posthog
 * mode used to rescale them, and disagreed with posthog-node on 3,032 (45/45), 2,004 (60/60), 4,089 (30/30/30)
 * and 6,698 (100/50) of these 20,000 ids.
 */
const SPLITS: Record<string, number[]> = {
  "ph-45-45": [45, 45],
  "ph-60-60": [60, 60],
  "ph-30-30-30": [30, 30, 30],
  "ph-100-50": [100, 50],
};

const keysOf = (weights: readonly number[]) => weights.map((_, i) => (i === 0 ? "control" : `v${i}`));

const FLAGS = Object.entries(SPLITS).map(([key, weights], i) => ({
  id: i + 1,
  key,
  active: true,
  filters: {
    groups: [{ properties: [], rollout_percentage: 100 }],
    multivariate: {
      variants: weights.map((rollout_percentage, j) => ({ key: keysOf(weights)[j]!, rollout_percentage })),
    },
  },
}));

const DEFINITIONS: ExperimentDefinition[] = Object.entries(SPLITS).map(([key, weights]) => ({
  id: key,
  variants: weights.map((weight, j) => ({ id: keysOf(weights)[j]!, weight, isControl: j === 0 })),
  unit: "user",
  traffic: 1,
  enabled: true,
  hashing: { mode: "posthog", key },
}));

const IDS = randomIds(20_000, 4521);

describe("posthog mode with variant percentages that do not sum to 100 = posthog-node", () => {
  const backend = new HashExperimentBackend({ experiments: DEFINITIONS, store: new MemoryEventStore() });
  const compiled = new Map(FLAGS.map((f) => [f.key, posthog.compileFlag(f)]));
  let client: PostHog;
  /** posthog-node's answer per flag, in IDS order. */
  const answers = new Map<string, (string | boolean)[]>(FLAGS.map((f) => [f.key, []]));
  beforeAll(async () => {
    const fetch = async (url: string) =>
      new Response(
        url.includes("/flags/definitions")
          ? JSON.stringify({ flags: FLAGS, group_type_mapping: {}, cohorts: {} })
          : "{}",
        { status: 200, headers: { "content-type": "application/json" } },
      );
    client = new PostHog("phc_test", {
      host: "http://posthog.invalid",
      personalApiKey: "phx_test",
      fetch: fetch as unknown as typeof globalThis.fetch,
      featureFlagsPollingInterval: 3_600_000,
      flushAt: 1_000_000,
      flushInterval: 0,
    } as ConstructorParameters<typeof PostHog>[1]);
    expect(await client.waitForLocalEvaluationReady(10_000)).toBe(true);
    for (const id of IDS) {
      const all = await client.getAllFlags(id, { onlyEvaluateLocally: true });
      for (const f of FLAGS) answers.get(f.key)!.push(all[f.key] ?? false);
    }
  }, 60_000);
  afterAll(() => client.shutdown());

  for (const [key, weights] of Object.entries(SPLITS)) {
    it(`${key}: 20,000 ids, 0 disagreements (mode and @assay/hashing), the remainder not reassigned`, () => {
      const expected = answers.get(key)!;
      const flag = compiled.get(key)!;
      let modeDisagreements = 0;
      let hashingDisagreements = 0;
      const tally = new Map<string | boolean, number>();
      for (const [i, id] of IDS.entries()) {
        const value = expected[i]!;
        tally.set(value, (tally.get(value) ?? 0) + 1);
        if (flag.evaluate(id) !== value) hashingDisagreements++;
        const v = backend.assign(key, { userId: id, attributes: {} });
        // PostHog's `true` (no variant) is not enrolled here, like `false`
        if ((v.inExperiment ? v.variantId : false) !== (typeof value === "string" ? value : false))
          modeDisagreements++;
      }
      expect({ modeDisagreements, hashingDisagreements }).toEqual({
        modeDisagreements: 0,
        hashingDisagreements: 0,
      });
      // the split PostHog gives, within 4 standard errors: each variant its (cut) share, `true` the rest
      let start = 0;
      for (const [j, w] of weights.entries()) {
        const share = Math.max(0, Math.min(100, start + w) - Math.min(100, start)) / 100;
        start += w;
        const seen = (tally.get(keysOf(weights)[j]!) ?? 0) / IDS.length;
        expect(Math.abs(seen - share), `${key} ${keysOf(weights)[j]}`).toBeLessThan(
          4 * Math.sqrt((share * (1 - share)) / IDS.length) + 1e-9,
        );
      }
      const rest = Math.max(0, 100 - start) / 100;
      expect(Math.abs((tally.get(true) ?? 0) / IDS.length - rest)).toBeLessThan(
        4 * Math.sqrt((rest * (1 - rest)) / IDS.length) + 1e-9,
      );
    });
  }
});
