import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { readTomlDocument } from "@assay/config";
import { describe, expect, it } from "vitest";
import { checkReadsBack } from "../src/import/manifest-toml.js";
import {
  type ImportResult,
  ImportWriteError,
  importGrowthBook,
  importOptimizely,
  importPostHog,
  importUnleash,
  manifestDocument,
  manifestToml,
  PAYLOAD_LIMITS,
  run,
} from "../src/index.js";
import { cli, tempDir } from "./helpers.js";

/** Runs `assay` in this process with string buffers; a thrown error (a stack trace for a user) fails the test. */
async function assay(args: readonly string[]) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await run(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    env: {},
  });
  return { code, stdout, stderr };
}

/** A GrowthBook payload with a string in every field the import reads or reports. */
const GROWTHBOOK = {
  features: {
    "feat-a": {
      defaultValue: "off",
      project: "web",
      rules: [
        { id: "fr_force", force: "on", condition: { country: "FR" } },
        {
          id: "fr_exp",
          key: "exp-a",
          seed: "seed-a",
          hashAttribute: "company",
          hashVersion: 2,
          variations: ["a", "b"],
          meta: [
            { key: "control", name: "Control" },
            { key: "treat", name: "Treatment", passthrough: true },
          ],
          weights: [0.5, 0.5],
          coverage: 0.9,
          condition: { plan: { $ne: "free" } },
          name: "Experiment A",
          phase: "1",
          description: "what it tests",
          filters: [{ seed: "layer", attribute: "company", ranges: [[0, 0.5]] }],
          savedGroups: ["grp"],
          custom: "field",
        },
      ],
    },
    "feat-b": {
      defaultValue: 0,
      rules: [
        {
          id: "fr_ns",
          key: "exp-b",
          variations: [0, 1, 2],
          meta: [{ key: "c" }, { key: "x" }, { key: "y" }],
          namespace: ["ns-id", 0, 0.5],
          ranges: [
            [0, 0.3],
            [0.3, 0.6],
            [0.6, 0.9],
          ],
        },
      ],
    },
    "flag-only": { defaultValue: true },
  },
  experiments: [
    {
      key: "inline-exp",
      variations: [0, 1],
      meta: [{ key: "off" }, { key: "on" }],
      hashAttribute: "id",
      name: "Inline",
      urlPatterns: [{ type: "regex", include: true, pattern: "^/checkout" }],
    },
  ],
};

/** PostHog flag definitions with a string in every field the import reads or reports. */
const POSTHOG = {
  flags: [
    {
      id: 7,
      key: "ph-a",
      name: "PH A",
      active: true,
      ensure_experience_continuity: true,
      filters: {
        aggregation_group_type_index: 0,
        groups: [
          {
            properties: [{ key: "email", value: "@acme.com", operator: "icontains", type: "person" }],
            rollout_percentage: 50,
            variant: "treat",
          },
          { properties: [], rollout_percentage: 80 },
        ],
        multivariate: {
          variants: [
            { key: "control", name: "Control", rollout_percentage: 50 },
            { key: "treat", name: "Treatment", rollout_percentage: 50 },
          ],
        },
        holdout: { id: 3, exclusion_percentage: 10 },
      },
    },
    {
      id: 8,
      key: "ph-b",
      bucketing_identifier: "device_id",
      filters: {
        groups: [{ properties: [], rollout_percentage: 100 }],
        multivariate: {
          variants: [
            { key: "left", rollout_percentage: 40 },
            { key: "right", rollout_percentage: 40 },
          ],
        },
      },
    },
    { id: 9, key: "ph-bool", filters: { groups: [{ properties: [], rollout_percentage: 10 }] } },
  ],
  group_type_mapping: { "0": "company" },
};

/**
 * Strings meant to end the comment, string, key or table they are written into and start a table of their own
 * (the attack of issue 14: an extra [[plugins]] sending every event elsewhere), in every way TOML can be broken.
 */
const INJECTIONS = [
  'x\n[[plugins]]\nname = "evil"\nsource = "./evil.js"\n',
  'x"\n[[plugins]]\nname = "evil"\nsource = "./evil.js"\n#',
  "x\r\n[[plugins]]\r\nname = 'evil'\r\nsource = './evil.js'",
  "x'''\n[[plugins.experiments]]\nid = 'evil'",
  'x\\"\n[evil]\nkey = 1',
  'x"]\n}\n[[plugins]]\nname="evil"',
  "x\u2028[[plugins]]\u2029name='evil'",
  'x" # }, { id = "evil", weight = 1 } ]',
  "x\tevil = 1",
  "[[plugins]]",
  "__proto__",
  "",
];

/** Control characters and broken Unicode the import must refuse, naming where they are. */
const REFUSED = ["x\u007fy", "x\u0000y", "x\u001by[31m", "x\u0085y", "x\ud800y", "x\udc00"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every copy of `payload` with one string value, or one object key, replaced by `text`. */
function* substitutions(payload: Json, text: string): Generator<{ where: string; payload: Json }> {
  function* walk(
    node: Json,
    where: string,
    put: (replacement: Json) => Json,
  ): Generator<{ where: string; payload: Json }> {
    if (typeof node === "string") yield { where, payload: put(text) };
    else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        yield* walk(node[i]!, `${where}[${i}]`, (r) => put(node.map((x, j) => (j === i ? r : x))));
      }
    } else if (node !== null && typeof node === "object") {
      const entries = Object.entries(node);
      for (const [key, child] of entries) {
        const renamed = (r: Json, newKey: string) => {
          const copy: { [key: string]: Json } = {};
          for (const [k, v] of entries)
            Object.defineProperty(copy, k === key ? newKey : k, {
              value: k === key ? r : v,
              enumerable: true,
            });
          return copy;
        };
        yield { where: `${where} key ${JSON.stringify(key)}`, payload: put(renamed(child, text)) };
        yield* walk(child, `${where}.${key}`, (r) => put(renamed(r, key)));
      }
    }
  }
  yield* walk(payload, "$", (r) => r);
}

const PLUGIN_KEYS = new Set(["name", "source", "experiments"]);
const EXPERIMENT_KEYS = new Set([
  "id",
  "variants",
  "unit",
  "traffic",
  "enabled",
  "targeting",
  "forced",
  "hashing",
]);

/** The manifest has exactly the one plugin and the experiments the importer made from the payload, nothing else. */
type Vendor = "growthbook" | "posthog" | "optimizely" | "unleash";
const IMPORTERS: Record<Vendor, (payload: unknown) => ImportResult> = {
  growthbook: importGrowthBook,
  posthog: importPostHog,
  optimizely: importOptimizely,
  unleash: importUnleash,
};
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8"));

function expectOnlyWhatThePayloadDescribes(toml: string, payload: Json, vendor: Vendor) {
  const result = IMPORTERS[vendor](payload);
  const document = readTomlDocument(toml);
  // `attributes` declares the experiments' attribute units (config's unit rule), and nothing else
  const units = [...new Set(result.experiments.map((e) => e.unit))].filter(
    (u) => u !== "user" && u !== "session",
  );
  expect(Object.keys(document)).toEqual(units.length > 0 ? ["attributes", "plugins"] : ["plugins"]);
  if (units.length > 0) expect(document.attributes).toEqual(units);
  const plugins = document.plugins as Record<string, unknown>[];
  expect(plugins).toHaveLength(1);
  expect(Object.keys(plugins[0]!).every((k) => PLUGIN_KEYS.has(k))).toBe(true);
  expect(plugins[0]!.source).toBe("@assay/experiment-hash");
  const experiments = plugins[0]!.experiments as Record<string, unknown>[];
  expect(experiments.map((e) => e.id)).toEqual(result.experiments.map((e) => e.id));
  for (const e of experiments) expect(Object.keys(e).every((k) => EXPERIMENT_KEYS.has(k))).toBe(true);
  expect(document).toEqual(manifestDocument(result));
}

const NO_STACK = /\n\s+at /;

describe("assay import: hostile payloads", () => {
  const cases: [vendor: Vendor, base: Json][] = [
    ["growthbook", GROWTHBOOK as Json],
    ["posthog", POSTHOG as Json],
    ["optimizely", fixture("optimizely-datafile.json") as Json],
    ["unleash", fixture("unleash-features.json") as Json],
  ];

  for (const [vendor, base] of cases) {
    it(`${vendor}: an injection in any string field or key never adds to the manifest`, async () => {
      const baseCount = IMPORTERS[vendor](base).experiments.length;
      const dir = tempDir({});
      const file = join(dir, "payload.json");
      let tried = 0;
      let imported = 0;
      for (const text of INJECTIONS) {
        for (const { where, payload } of substitutions(base, text)) {
          writeFileSync(file, JSON.stringify(payload));
          const result = await assay(["import", vendor, file]);
          tried++;
          expect(result.stderr, where).not.toMatch(NO_STACK);
          // an injected id can still be refused by the manifest rules (two variants named ""): exit 1, nothing printed
          expect([0, 1], `${where}: ${result.stderr}`).toContain(result.code);
          if (result.code !== 0) {
            expect(result.stdout).toBe("");
            expect(result.stderr).toMatch(/^assay import: .*payload\.json: /);
            continue;
          }
          imported++;
          expectOnlyWhatThePayloadDescribes(result.stdout, payload, vendor);
          const experiments = (readTomlDocument(result.stdout).plugins as { experiments: unknown[] }[])[0]!
            .experiments;
          expect(experiments.length, where).toBeLessThanOrEqual(baseCount);
          // stderr: one line per item, so no payload text can fake a line of its own
          for (const line of result.stderr.trimEnd().split("\n")) {
            expect(line).toMatch(
              /^(.+: not reproduced: |.+: targeting carried over: |skipped: |imported \d+ experiment)/,
            );
          }
        }
      }
      // the payloads hold dozens of strings each: every one was tried with every injection
      expect(tried).toBeGreaterThan(INJECTIONS.length * 30);
      expect(imported).toBeGreaterThan(tried / 2);
    }, 120_000);

    it(`${vendor}: control characters and unpaired surrogates anywhere are refused with their JSON path`, async () => {
      const dir = tempDir({});
      const file = join(dir, "payload.json");
      let tried = 0;
      for (const text of REFUSED) {
        for (const { where, payload } of substitutions(base, text)) {
          writeFileSync(file, JSON.stringify(payload));
          const result = await assay(["import", vendor, file]);
          tried++;
          expect(result.code, where).toBe(1);
          expect(result.stdout).toBe("");
          expect(result.stderr).toMatch(
            /^assay import: \S*payload\.json: \$[^ ]*: (the key )?holds (the control character|an unpaired surrogate) U?\+?/,
          );
          expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
        }
      }
      expect(tried).toBeGreaterThan(REFUSED.length * 30);
    }, 120_000);
  }

  it("names the path of a refused value", async () => {
    const dir = tempDir({
      "surrogate.json": '{"features":{"my feature":{"rules":[{"key":"a\\ud800","variations":[0,1]}]}}}',
      "infinity.json": '{"features":{"f":{"rules":[{"variations":[0,1],"weights":[0.5,1e400]}]}}}',
      "nan.json": '{"features":{"f":{"rules":[{"variations":[0,1],"coverage":NaN}]}}}',
    });
    const surrogate = await assay(["import", "growthbook", join(dir, "surrogate.json")]);
    expect(surrogate.code).toBe(1);
    expect(surrogate.stderr).toContain(
      '$.features["my feature"].rules[0].key: holds an unpaired surrogate (U+D800) at index 1',
    );
    const infinity = await assay(["import", "growthbook", join(dir, "infinity.json")]);
    expect(infinity.code).toBe(1);
    expect(infinity.stderr).toContain("$.features.f.rules[0].weights[1]: a number too large for a double");
    const nan = await assay(["import", "growthbook", join(dir, "nan.json")]);
    expect(nan.code).toBe(1);
    expect(nan.stderr).toContain("not valid JSON");
  });

  it("deep nesting, too many values, experiments or variations, a huge file: exit 1 at once with the limit", async () => {
    const features = (n: number, variations: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `f${i}`,
          { rules: [{ variations: Array.from({ length: variations }, (_, v) => v) }] },
        ]),
      );
    const dir = tempDir({
      "deep.json": `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      "deep-65.json": `{"features":${"[".repeat(64)}${"]".repeat(64)}}`,
      "values.json": JSON.stringify({ features: {}, pad: new Array(PAYLOAD_LIMITS.values).fill(0) }),
      "experiments.json": JSON.stringify({ features: features(PAYLOAD_LIMITS.experiments + 1, 2) }),
      "variations.json": JSON.stringify({ features: features(1, PAYLOAD_LIMITS.variations + 1) }),
      "posthog-variations.json": JSON.stringify({
        flags: [
          {
            key: "f",
            filters: {
              multivariate: {
                variants: Array.from({ length: PAYLOAD_LIMITS.variations + 1 }, (_, i) => ({ key: `v${i}` })),
              },
            },
          },
        ],
      }),
    });
    writeFileSync(join(dir, "big.json"), Buffer.alloc(PAYLOAD_LIMITS.bytes + 1, 0x20));
    const expectations: [file: string, vendor: string, message: RegExp][] = [
      ["deep.json", "growthbook", /nested deeper than the import's limit of 64 \(at character 65\)/],
      ["deep-65.json", "growthbook", /nested deeper than the import's limit of 64/],
      ["values.json", "growthbook", /more than the import's limit of 1000000 JSON values/],
      ["experiments.json", "growthbook", /2001 experiments, more than the import's limit of 2000/],
      [
        "variations.json",
        "growthbook",
        /feature "f0", rule 0: 1001 variations, more than the import's limit of 1000/,
      ],
      ["posthog-variations.json", "posthog", /flag "f": 1001 variations, more than the import's limit/],
      ["big.json", "growthbook", /larger than the import's limit of 32 MiB/],
    ];
    for (const [file, vendor, message] of expectations) {
      const result = await assay(["import", vendor, join(dir, file)]);
      expect(result.code, file).toBe(1);
      expect(result.stderr, file).toMatch(message);
      expect(result.stderr).not.toMatch(NO_STACK);
    }
    // at the limits it imports (a real project is far below them)
    writeFileSync(
      join(dir, "at-limit.json"),
      JSON.stringify({ features: features(1, PAYLOAD_LIMITS.variations) }),
    );
    expect((await assay(["import", "growthbook", join(dir, "at-limit.json")])).code).toBe(0);
  }, 120_000);

  it("a device, a directory or a missing file is refused before any read", async () => {
    const dir = tempDir({});
    for (const [file, message] of [
      ["/dev/zero", "not a regular file"],
      [dir, "not a regular file"],
      [join(dir, "missing.json"), "no such file"],
    ] as const) {
      const result = await assay(["import", "growthbook", file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${file}: ${message}`);
    }
  });

  it("the read-back check catches a manifest that says more than was meant", () => {
    const result = importGrowthBook(GROWTHBOOK);
    const toml = manifestToml(result, "payload.json");
    const intended = manifestDocument(result);
    expect(() => checkReadsBack(toml, intended)).not.toThrow();
    for (const tampered of [
      `${toml}\n[[plugins]]\nname = "evil"\nsource = "./evil.js"\n`,
      toml.replace('id = "exp-a"', 'id = "exp-a"\ntraffic = 1'),
      toml.replace("weight = 0.5,", "weight = 0.50001,"),
      toml.replace('seed = "layer"', 'seed = "layer2"'),
      `${toml}\n[evil]\n`,
    ]) {
      expect(() => checkReadsBack(tampered, intended)).toThrow(ImportWriteError);
    }
    expect(() => checkReadsBack("[[plugins]\n", intended)).toThrow(/not valid TOML/);
  });
});

describe("assay import -o", () => {
  const payload = join(import.meta.dirname, "fixtures", "growthbook-payload.json");

  it("creates missing folders, refuses to overwrite without --force, overwrites with it", async () => {
    const dir = tempDir({});
    const out = join(dir, "a", "b", "assay.toml");
    expect((await assay(["import", "growthbook", payload, "-o", out])).code).toBe(0);
    const first = readFileSync(out, "utf8");
    expect(first).toContain("[[plugins.experiments]]");

    writeFileSync(out, "# mine\n");
    const refused = await assay(["import", "growthbook", payload, "-o", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("exists; pass --force to overwrite it (nothing written)");
    expect(readFileSync(out, "utf8")).toBe("# mine\n");

    expect((await assay(["import", "growthbook", payload, "-o", out, "--force"])).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(first);
    // no temporary file left behind
    expect(statSync(join(dir, "a", "b")).isDirectory()).toBe(true);
    expect((await import("node:fs")).readdirSync(join(dir, "a", "b"))).toEqual(["assay.toml"]);
  });

  it("a payload that cannot be imported writes nothing; a target that cannot be written exits 3", async () => {
    const dir = tempDir({
      "bad.json": '{"features":{"f":{"rules":[{"key":"a\\u007f","variations":[0,1]}]}}}',
    });
    const out = join(dir, "out", "assay.toml");
    const bad = await assay(["import", "growthbook", join(dir, "bad.json"), "-o", out]);
    expect(bad.code).toBe(1);
    expect(() => statSync(out)).toThrow();

    mkdirSync(join(dir, "taken"));
    const directory = await assay(["import", "growthbook", payload, "-o", join(dir, "taken"), "--force"]);
    expect(directory.code).toBe(3);
    expect(directory.stderr).toMatch(/^assay import: cannot write .*taken: E/);
    expect(directory.stderr).not.toMatch(NO_STACK);

    const force = await assay(["import", "growthbook", payload, "--force"]);
    expect(force.code).toBe(2);
  });

  it("the built command: exit codes and one-line errors as a user sees them", () => {
    const dir = tempDir({ "deep.json": "[".repeat(10_000) });
    const deep = cli(["import", "growthbook", join(dir, "deep.json")]);
    expect(deep.code).toBe(1);
    expect(deep.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
