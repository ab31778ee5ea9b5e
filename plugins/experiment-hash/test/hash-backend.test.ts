import { ExperimentError } from "@assay/core";
import { nativeHash, nativeKey } from "@assay/hashing";
import { describe, expect, it } from "vitest";
import { HashExperimentBackend } from "../src/index.js";
import { type ExperimentDefinition, MemoryEventStore, nativeKeyForTest } from "./helpers.js";

const base: ExperimentDefinition = {
  id: "exp",
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "b", weight: 1, isControl: false },
    { id: "c", weight: 1, isControl: false },
  ],
  unit: "user",
  traffic: 1,
  enabled: true,
};
const backend = (...experiments: ExperimentDefinition[]) =>
  new HashExperimentBackend({ experiments, store: new MemoryEventStore() });
const user = (userId: string, attributes: Record<string, string> = {}) => ({ userId, attributes });

describe("experiment-hash assignment", () => {
  it("agrees with the native algorithm written out by hand", () => {
    const plugin = backend({ ...base, salt: "s" });
    for (let i = 0; i < 10_000; i++) {
      const x = nativeHash(nativeKey("exp", `id-${i}`, "s")) / 2 ** 32;
      const expected = x < 1 / 3 ? "control" : x < 2 / 3 ? "b" : "c";
      expect(plugin.assign("exp", user(`id-${i}`)).variantId).toBe(expected);
    }
    expect(nativeKeyForTest).toBe("s:exp:u");
  });

  it("with traffic 0.25 enrolls a quarter and splits it evenly; the rest get control with reason traffic", () => {
    const plugin = backend({ ...base, traffic: 0.25 });
    const counts: Record<string, number> = { control: 0, b: 0, c: 0, out: 0 };
    for (let i = 0; i < 60_000; i++) {
      const v = plugin.assign("exp", user(`u${i}`));
      if (!v.inExperiment) {
        expect(v).toMatchObject({ variantId: "control", isControl: true, reason: "traffic" });
        counts.out!++;
      } else counts[v.variantId]!++;
    }
    expect(counts.out! / 60_000).toBeCloseTo(0.75, 1);
    for (const v of ["control", "b", "c"]) expect(counts[v]! / 5_000).toBeCloseTo(1, 1);
  });

  it("raising traffic never moves an enrolled unit", () => {
    const low = backend({ ...base, traffic: 0.1 });
    const high = backend({ ...base, traffic: 0.6 });
    for (let i = 0; i < 30_000; i++) {
      const a = low.assign("exp", user(`u${i}`));
      if (a.inExperiment) expect(high.assign("exp", user(`u${i}`)).variantId).toBe(a.variantId);
    }
  });

  it("hashes the session id for session experiments and an attribute for cluster experiments", () => {
    const plugin = backend(
      { ...base, id: "by_session", unit: "session" },
      { ...base, id: "by_account", unit: "account" },
    );
    const viaSession = plugin.assign("by_session", { sessionId: "s-9", attributes: {} });
    expect(viaSession.inExperiment).toBe(true);
    expect(plugin.assign("by_session", { userId: "x", sessionId: "s-9", attributes: {} })).toBe(viaSession);
    expect(plugin.assign("by_session", user("only-user")).reason).toBe("anonymous");
    // Everyone in one account gets the account's variant.
    const variants = new Set(
      ["a", "b", "c", "d"].map((u) => plugin.assign("by_account", user(u, { account: "acme" })).variantId),
    );
    expect(variants.size).toBe(1);
    expect(plugin.assign("by_account", user("a")).reason).toBe("anonymous");
    const error = (() => {
      try {
        plugin.assign("by_account", { userId: "a", attributes: { account: "" } });
      } catch (e) {
        return e;
      }
    })();
    expect(ExperimentError.is(error, "INVALID_CONTEXT")).toBe(true);
    expect((error as Error).message).toContain("attributes.account");
  });

  it("serves control to everyone, not enrolled, when the experiment is disabled", () => {
    const plugin = backend({ ...base, enabled: false });
    for (let i = 0; i < 1000; i++) {
      expect(plugin.assign("exp", user(`u${i}`))).toMatchObject({
        variantId: "control",
        inExperiment: false,
        reason: "disabled",
      });
    }
  });

  it("returns shared frozen variants (no allocation per call)", () => {
    const plugin = backend(base);
    const a = plugin.assign("exp", user("alice"));
    expect(Object.isFrozen(a)).toBe(true);
    expect(plugin.assign("exp", user("alice"))).toBe(a);
  });

  it("rejects an empty experiment id with INVALID_CONTEXT", () => {
    const plugin = backend(base);
    expect(() => plugin.assign("", user("a"))).toThrowError(/experiment id must be a non-empty string/);
  });
});
