import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chiSquarePValue, sampleIds } from "@assay/testing";
import { describe, expect, it } from "vitest";
import { cli, MANIFEST, tempDir } from "./helpers.js";
import { type ReferenceExperiment, referenceAssign } from "./reference.js";

interface Line {
  unit: string;
  experiment: string;
  variant: string;
  isControl: boolean;
  inExperiment: boolean;
  reason: string;
}

const EXPERIMENTS: Record<string, ReferenceExperiment> = {
  checkout_button_color: {
    id: "checkout_button_color",
    traffic: 1,
    variants: [
      { id: "control", weight: 50 },
      { id: "treatment", weight: 50 },
    ],
  },
  pricing_page: {
    id: "pricing_page",
    salt: "2026-q4",
    traffic: 1,
    variants: [
      { id: "control", weight: 5 },
      { id: "annual_first", weight: 3 },
      { id: "monthly_first", weight: 2 },
    ],
  },
  onboarding: {
    id: "onboarding",
    traffic: 0.25,
    variants: [
      { id: "control", weight: 1 },
      { id: "short", weight: 1 },
      { id: "video", weight: 1 },
    ],
  },
};

const dir = tempDir({ "assay.toml": MANIFEST });
const ids = sampleIds(100_000, 42);
writeFileSync(join(dir, "ids.txt"), `${ids.join("\n")}\n`);
const parse = (stdout: string): Line[] =>
  stdout
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);

describe("assay assign", () => {
  it("prints one JSON object per unit with the documented fields", () => {
    const result = cli(["assign", "checkout_button_color", "--user", "alice"], { cwd: dir });
    expect(result.code).toBe(0);
    const [line] = parse(result.stdout);
    expect(Object.keys(line!)).toEqual([
      "unit",
      "experiment",
      "variant",
      "isControl",
      "inExperiment",
      "reason",
    ]);
    expect(line).toMatchObject({
      unit: "alice",
      experiment: "checkout_button_color",
      inExperiment: true,
      reason: "hash",
    });
  });

  it.each(Object.keys(EXPERIMENTS))(
    "agrees exactly with an independent implementation on 100k ids (%s)",
    (experiment) => {
      const result = cli(["assign", experiment, "--users", "ids.txt"], { cwd: dir });
      expect(result.code).toBe(0);
      const lines = parse(result.stdout);
      expect(lines).toHaveLength(ids.length);
      const reference = EXPERIMENTS[experiment]!;
      let mismatches = 0;
      for (let i = 0; i < ids.length; i++) {
        const line = lines[i]!;
        expect(line.unit).toBe(ids[i]);
        const expected = referenceAssign(reference, ids[i]!);
        const got = line.inExperiment ? line.variant : undefined;
        if (got !== expected) mismatches++;
        if (expected === undefined)
          expect(line).toMatchObject({ variant: "control", isControl: true, reason: "traffic" });
      }
      expect(mismatches).toBe(0);
    },
  );

  it("splits sequential ids by the weights, and is identical across processes", () => {
    writeFileSync(
      join(dir, "seq.txt"),
      Array.from({ length: 100_000 }, (_, i) => `user-${i + 1}`).join("\n"),
    );
    const first = cli(["assign", "pricing_page", "--users", "seq.txt"], { cwd: dir });
    const second = cli(["assign", "pricing_page", "--users", "seq.txt"], { cwd: dir });
    expect(second.stdout).toBe(first.stdout);
    const counts = { control: 0, annual_first: 0, monthly_first: 0 } as Record<string, number>;
    for (const line of parse(first.stdout)) counts[line.variant]!++;
    expect(
      chiSquarePValue([counts.control!, counts.annual_first!, counts.monthly_first!], [5, 3, 2]),
    ).toBeGreaterThan(1e-4);
  });

  it("with traffic 0.25 and three equal variants enrolls a quarter, split evenly", () => {
    const lines = parse(cli(["assign", "onboarding", "--users", "ids.txt"], { cwd: dir }).stdout);
    const enrolled = lines.filter((l) => l.inExperiment);
    expect(enrolled.length / lines.length).toBeGreaterThan(0.24);
    expect(enrolled.length / lines.length).toBeLessThan(0.26);
    const counts = ["control", "short", "video"].map((v) => enrolled.filter((l) => l.variant === v).length);
    expect(chiSquarePValue(counts, [1, 1, 1])).toBeGreaterThan(1e-4);
  });

  it("gives anonymous units control, not enrolled: a user id for a session experiment", () => {
    const [line] = parse(cli(["assign", "banner", "--user", "alice"], { cwd: dir }).stdout);
    expect(line).toMatchObject({
      variant: "control",
      isControl: true,
      inExperiment: false,
      reason: "anonymous",
    });
    const [bySession] = parse(cli(["assign", "banner", "--session", "s-1"], { cwd: dir }).stdout);
    expect(bySession).toMatchObject({ unit: "s-1", inExperiment: true, reason: "hash" });
  });

  it("reads CRLF files with a BOM and skips empty lines", () => {
    writeFileSync(join(dir, "crlf.txt"), "\ufeffalice\r\nbob\r\n\r\nZoë\r\n");
    const lines = parse(cli(["assign", "checkout_button_color", "--users", "crlf.txt"], { cwd: dir }).stdout);
    expect(lines.map((l) => l.unit)).toEqual(["alice", "bob", "Zoë"]);
    const single = parse(cli(["assign", "checkout_button_color", "--user", "Zoë"], { cwd: dir }).stdout)[0];
    expect(lines[2]!.variant).toBe(single!.variant);
  });

  it("exits 2 with the error code on stderr for an unknown experiment", () => {
    const result = cli(["assign", "no_such_experiment", "--user", "alice"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^EXPERIMENT_NOT_FOUND: experiment "no_such_experiment" is not declared/);
  });

  it("exits 2 on usage errors and 1 on a missing ids file", () => {
    expect(cli(["assign", "banner"], { cwd: dir }).code).toBe(2);
    expect(cli(["assign", "banner", "--user", "a", "--session", "b"], { cwd: dir }).code).toBe(2);
    expect(cli(["assign", "banner", "--user", "a", "--attr", "novalue"], { cwd: dir }).stderr).toContain(
      "expected key=value",
    );
    expect(cli(["assign", "banner", "--users", "missing.txt"], { cwd: dir }).code).toBe(1);
    expect(cli(["frobnicate"], { cwd: dir }).code).toBe(2);
  });

  it("reads --manifest from anywhere", () => {
    const result = cli([
      "assign",
      "checkout_button_color",
      "--user",
      "alice",
      "--manifest",
      join(dir, "assay.toml"),
    ]);
    expect(result.code).toBe(0);
  });
});

describe("assign prints the variant's value", () => {
  it("adds value (any TOML value, a table too) when the variant declares one, and nothing otherwise", () => {
    const valued = tempDir({
      "assay.toml": `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "treatment-a", weight = 30, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 20, value = { steps = 2, copy = "Buy now" } },
]
`,
    });
    writeFileSync(join(valued, "ids.txt"), `${ids.slice(0, 300).join("\n")}\n`);
    const run = cli(["assign", "checkout", "--users", "ids.txt"], { cwd: valued });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line & { value?: unknown });
    expect(lines).toHaveLength(300);
    const expected: Record<string, unknown> = {
      "treatment-a": "streamlined-checkout",
      "treatment-b": { steps: 2, copy: "Buy now" },
    };
    for (const line of lines) {
      if (line.variant === "control") expect(line).not.toHaveProperty("value");
      else expect(line.value).toEqual(expected[line.variant]);
    }
    expect(new Set(lines.map((l) => l.variant))).toEqual(new Set(["control", "treatment-a", "treatment-b"]));
  });
});
