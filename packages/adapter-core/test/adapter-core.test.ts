import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExperimentDefinition } from "@assay/core";
import { describe, expect, it } from "vitest";
import {
  AssignedContexts,
  checkedUnit,
  checkOptions,
  lookupExperiment,
  nonEmptyString,
  outsideVariants,
  readJsonFile,
  requireDeclaredVariant,
  serveExperiments,
  wholeNumber,
} from "../src/index.js";

const definition = {
  id: "checkout",
  variants: [
    { id: "control", weight: 1, isControl: true },
    { id: "treatment", weight: 1, isControl: false },
  ],
} as unknown as ExperimentDefinition;

describe("AssignedContexts", () => {
  it("gives a record the attributes assign last saw for the same unit, and its own when it brings them", () => {
    const contexts = new AssignedContexts(10);
    contexts.remember("checkout", { userId: "u1", attributes: { country: "US" } });
    contexts.remember("checkout", { userId: "u1", attributes: { country: "CA" } });
    expect(contexts.attributesFor({ experiment: "checkout", userId: "u1" })).toEqual({ country: "CA" });
    expect(contexts.attributesFor({ experiment: "other", userId: "u1" })).toEqual({});
    expect(
      contexts.attributesFor({ experiment: "checkout", userId: "u1", attributes: { plan: "pro" } }),
    ).toEqual({ plan: "pro" });
  });

  it("forgets the least recently assigned unit past its capacity", () => {
    const contexts = new AssignedContexts(2);
    contexts.remember("e", { userId: "a", attributes: { n: "1" } });
    contexts.remember("e", { userId: "b", attributes: { n: "2" } });
    contexts.remember("e", { userId: "a", attributes: { n: "3" } }); // a is now the newest
    contexts.remember("e", { userId: "c", attributes: { n: "4" } });
    expect(contexts.size).toBe(2);
    expect(contexts.attributesFor({ experiment: "e", userId: "b" })).toEqual({});
    expect(contexts.attributesFor({ experiment: "e", userId: "a" })).toEqual({ n: "3" });
  });

  it("refuses a capacity that is not a whole number", () => {
    expect(() => new AssignedContexts(-1)).toThrow(RangeError);
    expect(() => new AssignedContexts(1.5)).toThrow(/whole number/);
  });
});

describe("served experiments", () => {
  it("refuses an id declared twice and names an unknown one", () => {
    expect(() => serveExperiments([definition, definition], (d) => d.id)).toThrow(/declared twice/);
    const served = serveExperiments([definition], (d) => d.id);
    expect(lookupExperiment(served, "checkout")).toBe("checkout");
    expect(() => lookupExperiment(served, "nope")).toThrow(/nope/);
  });

  it("builds the not-enrolled variants on the control, and refuses an undeclared variant", () => {
    const outside = outsideVariants(definition);
    expect(outside.outside).toMatchObject({ variantId: "control", inExperiment: false, reason: "traffic" });
    expect(outside.disabled.reason).toBe("disabled");
    expect(() => requireDeclaredVariant("checkout", new Set(["control"]), "blue")).toThrow(
      /no variant "blue"/,
    );
  });
});

describe("option checks", () => {
  it("names an unknown key and a bad value", () => {
    const issues = checkOptions(
      { host: "", flush_at: 3, hots: "x" },
      {
        host: nonEmptyString("a URL"),
        flush_at: wholeNumber(1, "a whole number >= 1"),
      },
      "posthog",
    );
    expect(issues.map((i) => i.key)).toEqual(["host", "hots"]);
    expect(issues[0]?.message).toBe('must be a URL, got ""');
  });
});

describe("readJsonFile", () => {
  it("reads relative to baseDir and names the file it cannot parse", async () => {
    const dir = await mkdtemp(join(tmpdir(), "adapter-core-"));
    await writeFile(join(dir, "ok.json"), '{"a":1}');
    await writeFile(join(dir, "bad.json"), "{");
    await expect(readJsonFile("ok.json", { baseDir: dir, vendor: "v", what: "payload" })).resolves.toEqual({
      a: 1,
    });
    await expect(readJsonFile("bad.json", { baseDir: dir, vendor: "v", what: "payload" })).rejects.toThrow(
      /v: cannot read the payload .*bad\.json/,
    );
  });
});

describe("AssignedContexts bounds", () => {
  it("never holds more than its capacity and always keeps the last capacity/2 units", () => {
    for (const capacity of [1, 2, 3, 10, 101]) {
      const contexts = new AssignedContexts(capacity);
      for (let i = 0; i < capacity * 7 + 3; i++) {
        contexts.remember("e", { userId: `u${i}`, attributes: { i: String(i) } });
        expect(contexts.size).toBeLessThanOrEqual(capacity);
        const keep = Math.max(1, Math.floor(capacity / 2));
        for (let back = 0; back < keep && back <= i; back++) {
          expect(contexts.attributesFor({ experiment: "e", userId: `u${i - back}` })).toEqual({
            i: String(i - back),
          });
        }
      }
    }
  });
});

describe("checkedUnit", () => {
  const on = { ...definition, enabled: true, unit: "user" } as unknown as ExperimentDefinition;
  it("answers disabled, anonymous or the unit with its ids and attributes, in that order of checks", () => {
    expect(
      checkedUnit({ ...on, enabled: false } as ExperimentDefinition, { userId: "u1", attributes: {} }),
    ).toBe("disabled");
    expect(checkedUnit(on, { attributes: {} })).toBe("anonymous");
    expect(checkedUnit(on, { userId: "u1", attributes: { plan: "pro" } })).toEqual({
      unit: "u1",
      userId: "u1",
      attributes: { plan: "pro" },
    });
    const byCompany = { ...on, unit: "company" } as ExperimentDefinition;
    expect(checkedUnit(byCompany, { userId: "u1", attributes: { company: "acme" } })).toMatchObject({
      unit: "acme",
    });
  });

  it("refuses a context, attributes, unit or user id of the wrong kind, naming it", () => {
    expect(() => checkedUnit(on, null as never)).toThrow(/context must be an object/);
    expect(() => checkedUnit(on, { userId: "u1", attributes: null as never })).toThrow(/context.attributes/);
    expect(() => checkedUnit(on, { userId: "", attributes: {} })).toThrow(
      /context unit of experiment checkout/,
    );
    const byCompany = { ...on, unit: "company" } as ExperimentDefinition;
    expect(() => checkedUnit(byCompany, { userId: 5 as never, attributes: { company: "acme" } })).toThrow(
      /context.userId must be a non-empty string/,
    );
  });
});
