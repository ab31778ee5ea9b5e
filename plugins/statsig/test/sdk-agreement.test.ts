import { MemoryEventStore } from "@assay/core";
import { Statsig, StatsigUser } from "@statsig/statsig-node-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatsigBackend } from "../src/index.js";
import { mixedIds, REALISTIC_EXPERIMENTS, REALISTIC_SPECS } from "./realistic.js";
import { closeOffline, startSink } from "./statsig-sink.js";

/**
 * The adapter against the SDK used directly: a second, independent Statsig instance fetches the same specs
 * over HTTP from the loopback Statsig (the SDK's network path, not the adapter's data store) and is asked for
 * each id's group. Every answer must match: group name as variant, enrolled exactly when Statsig names a group.
 */
describe("assign agrees with @statsig/statsig-node-core's own evaluation on 10,000 ids", async () => {
  const sink = await startSink(() => REALISTIC_SPECS);
  const backend = new StatsigBackend({
    serverSecret: "secret-agreement",
    specs: REALISTIC_SPECS,
    logEventUrl: sink.logEventUrl,
    experiments: REALISTIC_EXPERIMENTS,
    store: new MemoryEventStore(),
  });
  const oracle = new Statsig("secret-oracle", {
    specsUrl: sink.specsUrl,
    logEventUrl: sink.logEventUrl,
    outputLogLevel: "error",
  });
  beforeAll(async () => {
    await backend.init();
    expect((await oracle.initialize()).isSuccess).toBe(true);
  });
  afterAll(async () => {
    await backend.close();
    await oracle.shutdown();
    await closeOffline(sink);
  });
  const ids = mixedIds(10_000);
  const attributesOf = (i: number) => ({
    country: ["US", "CA", "FR", "DE"][i % 4]!,
    plan: i % 3 === 0 ? "free" : "pro",
    company: `acme-${i % 1_000}`,
  });

  for (const experiment of REALISTIC_EXPERIMENTS) {
    it(`${experiment.id}: same group for every id`, () => {
      const enrolled = new Map<string, number>();
      for (const [i, id] of ids.entries()) {
        const attributes = attributesOf(i);
        const variant = backend.assign(experiment.id, { userId: id, attributes });
        const user = new StatsigUser({
          userID: id,
          customIDs: { companyID: attributes.company },
          country: attributes.country,
          custom: { plan: attributes.plan },
        });
        const group = oracle.getExperiment(user, experiment.id, { disableExposureLogging: true }).groupName;
        expect({ id, variantId: variant.variantId, inExperiment: variant.inExperiment }).toEqual({
          id,
          variantId: group ?? "Control",
          inExperiment: group !== null,
        });
        if (group !== null) enrolled.set(group, (enrolled.get(group) ?? 0) + 1);
      }
      // the payload's shapes really are exercised: uneven splits, a partial rollout, a targeted half
      const total = [...enrolled.values()].reduce((a, n) => a + n, 0);
      const expected: Record<string, [number, number]> = {
        checkout_redesign: [10_000, 10_000],
        pricing_rollout: [3_700, 4_300],
        targeted_banner: [3_100, 3_600],
        company_dashboard: [10_000, 10_000],
      };
      const [low, high] = expected[experiment.id]!;
      expect(total).toBeGreaterThanOrEqual(low);
      expect(total).toBeLessThanOrEqual(high);
      expect(enrolled.size).toBe(experiment.variants.length);
    });
  }

  it("reasons: a unit outside the rollout is `traffic`, one failing the targeting gate `targeting`", () => {
    const reasons = new Set<string>();
    for (const [i, id] of ids.slice(0, 500).entries()) {
      for (const experiment of ["pricing_rollout", "targeted_banner"]) {
        const variant = backend.assign(experiment, { userId: id, attributes: attributesOf(i) });
        if (!variant.inExperiment) reasons.add(`${experiment}:${variant.reason}`);
      }
    }
    expect([...reasons].sort()).toEqual(["pricing_rollout:traffic", "targeted_banner:targeting"]);
  });
});
