import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../src/index.js";

const file = new URL("fixtures/valid/optimizely-allocation.toml", import.meta.url);

describe("hashing mode optimizely: allocation, group, allowlist", () => {
  it("builds the datafile's ranges (a gap has no variant), the group's allocation and the allowlist", () => {
    const manifest = parseManifest(readFileSync(file, "utf8"), "optimizely-allocation.toml");
    expect(manifest.plugins[0]!.experiments[0]!.hashing).toEqual({
      mode: "optimizely",
      experimentId: "1886780721",
      allocation: [
        { variant: "treatment", end: 2500 },
        { end: 5000 },
        { variant: "control", end: 7500 },
        { variant: "control", end: 10000 },
      ],
      group: {
        id: "19228",
        allocation: [
          { experiment: "1886780721", end: 4000 },
          { end: 6000 },
          { experiment: "1886780722", end: 10000 },
        ],
      },
      allowlist: { treatment: ["qa-1", "qa-2"] },
    });
    expect(manifest.plugins[0]!.experiments[1]!.hashing).toEqual({
      mode: "optimizely",
      experimentId: "62",
      ends: [0, 6000],
      after: [
        {
          experiment: "1886780721",
          served: [
            [0, 2500],
            [5000, 10000],
          ],
          group: { id: "19228", allocation: [{ experiment: "1886780721", end: 4000 }] },
          allowlist: ["qa-1", "qa-2"],
          audience: { include: ['country == "US"'], exclude: [] },
        },
      ],
    });
  });
});
