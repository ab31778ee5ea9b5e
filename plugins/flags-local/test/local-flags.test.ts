import { ExperimentContext, type FlagDefinition } from "@assay/core";
import { nativeHash, nativeKey } from "@assay/hashing";
import { describe, expect, it } from "vitest";
import { LocalFlagBackend } from "../src/index.js";

const N = 100_000;
const users = Array.from({ length: N }, (_, i) => ExperimentContext.forUser(`user-${i}`));
const flag = (overrides: Partial<FlagDefinition> = {}): FlagDefinition => ({
  key: "new_checkout",
  unit: "user",
  enabled: true,
  rollout: 1,
  ...overrides,
});
const backendOf = (...flags: FlagDefinition[]) => new LocalFlagBackend({ flags });
const enabledSet = (definition: FlagDefinition) => {
  const backend = backendOf(definition);
  const on = new Set<number>();
  users.forEach((ctx, i) => {
    if (backend.isEnabled(definition.key, ctx)) on.add(i);
  });
  return on;
};

describe("rollout", () => {
  it("over 100k units, raising the rollout only adds units, and each step holds its share", () => {
    let previous = new Set<number>();
    for (const rollout of [0, 0.01, 0.1, 0.25, 0.5, 0.9, 1]) {
      const on = enabledSet(flag({ rollout }));
      for (const unit of previous) expect(on.has(unit)).toBe(true);
      // 5 standard deviations of a binomial share
      expect(Math.abs(on.size / N - rollout)).toBeLessThanOrEqual(
        5 * Math.sqrt((rollout * (1 - rollout)) / N) + 1e-9,
      );
      previous = on;
    }
    expect(previous.size).toBe(N);
  });

  it("is independent of an experiment with the same key (a different hash family)", () => {
    const on = enabledSet(flag({ rollout: 0.5 }));
    // the native experiment hash of the same key and unit: split 50/50
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      const treatment = nativeHash(nativeKey("new_checkout", `user-${i}`)) >= 2 ** 31 ? 1 : 0;
      counts[(on.has(i) ? 2 : 0) + treatment]!++;
    }
    const expected = N / 4;
    const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(16.27); // chi-square, 3 df, p = 0.001
  });

  it("a salt reshuffles who is in; the rollout key namespaces flags from each other", () => {
    const a = enabledSet(flag({ rollout: 0.5 }));
    const b = enabledSet(flag({ rollout: 0.5, salt: "2026" }));
    const both = [...a].filter((u) => b.has(u)).length;
    expect(Math.abs(both / N - 0.25)).toBeLessThan(0.01);
  });
});

describe("kill switch, targeting, values", () => {
  it("a disabled flag is off for everyone, a rollout of 1 is on for everyone (anonymous too)", () => {
    const off = backendOf(flag({ enabled: false }));
    expect(users.slice(0, 1000).some((ctx) => off.isEnabled("new_checkout", ctx))).toBe(false);
    const on = backendOf(flag());
    expect(on.isEnabled("new_checkout", ExperimentContext.anonymous())).toBe(true);
    const partial = backendOf(flag({ rollout: 0.99 }));
    expect(partial.isEnabled("new_checkout", ExperimentContext.anonymous())).toBe(false);
    expect(on.isEnabled("unknown", users[0]!)).toBe(false);
    expect(on.variant("unknown", users[0]!, "fallback")).toBe("fallback");
    expect(on.variant("new_checkout", users[0]!, "x")).toBe("on");
    expect(off.variant("new_checkout", users[0]!, "x")).toBe("off");
  });

  it("targeting comes before the rollout", () => {
    const backend = backendOf(flag({ targeting: { include: ["plan == pro"], exclude: ["country == DE"] } }));
    const ctx = (attributes: Record<string, string>) => users[0]!.withAttributes(attributes);
    expect(backend.isEnabled("new_checkout", ctx({ plan: "pro" }))).toBe(true);
    expect(backend.isEnabled("new_checkout", ctx({ plan: "free" }))).toBe(false);
    expect(backend.isEnabled("new_checkout", ctx({ plan: "pro", country: "DE" }))).toBe(false);
  });

  it("string flags split their values by weight among units with the flag; the others get off", () => {
    const backend = backendOf(
      flag({
        key: "copy",
        rollout: 0.5,
        variants: [
          { id: "short", weight: 1 },
          { id: "long", weight: 3 },
          { id: "never", weight: 0 },
        ],
        off: "classic",
      }),
    );
    const counts: Record<string, number> = {};
    for (const ctx of users) {
      const value = backend.variant("copy", ctx, "fallback");
      counts[value] = (counts[value] ?? 0) + 1;
      expect(value === "classic").toBe(!backend.isEnabled("copy", ctx));
    }
    expect(Object.keys(counts).sort()).toEqual(["classic", "long", "short"]);
    expect(Math.abs(counts.short! / N - 0.125)).toBeLessThan(0.006);
    expect(Math.abs(counts.long! / N - 0.375)).toBeLessThan(0.008);
  });
});
