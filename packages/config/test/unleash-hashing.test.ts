import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../src/index.js";

const file = new URL("fixtures/valid/unleash-strategies.toml", import.meta.url);

describe("hashing mode unleash: strategies", () => {
  it("builds the strategies in order with their defaults, targeting, variants and overrides", () => {
    const manifest = parseManifest(readFileSync(file, "utf8"), "unleash-strategies.toml");
    expect(manifest.plugins[0]!.experiments[0]!.hashing).toEqual({
      mode: "unleash",
      groupId: "pricing-page",
      variantStickiness: "plan",
      overrides: [{ variant: "control", field: "userId", values: ["qa-1"] }],
      strategies: [
        {
          enabled: true,
          rollout: 50,
          groupId: "pricing-page",
          stickiness: "tenantId",
          targeting: { include: ['country in ["DE", "FR"]'], exclude: [] },
          variants: [
            { id: "annual-first", weight: 200 },
            { id: "monthly-first", weight: 300, overrides: [{ field: "plan", values: ["pro"] }] },
            { id: "control", weight: 500 },
          ],
          variantGroupId: "pricing-page",
          variantStickiness: "tenantId",
        },
        { enabled: true, rollout: 10, groupId: "", stickiness: "default" },
        { enabled: false, rollout: 100, groupId: "", stickiness: "default" },
      ],
    });
  });
});
