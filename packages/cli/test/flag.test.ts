import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const MANIFEST = `environments = ["staging", "production"]

[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [{ id = "control", weight = 100, is_control = true }, { id = "treatment", weight = 0 }]
forced = { treatment = ["qa-alice"] }
targeting = { include = ["country == FR"] }

[plugins.experiments.env.staging]
weights = { control = 0, treatment = 100 }

[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = 0
targeting = { include = ["plan == pro"] }

[plugins.flags.env.staging]
rollout = 1

[[plugins.flags]]
key = "copy"
variants = { short = 1 }
off = "classic"
`;

describe("assay flag", () => {
  it("prints whether the flag is on and its value, per environment and attributes", () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const run = (...args: string[]) => cli(["flag", ...args], { cwd: dir });
    const production = run("new_checkout", "--user", "alice", "--attr", "plan=pro");
    expect(production.stderr).toBe("");
    expect(JSON.parse(production.stdout)).toEqual({
      flag: "new_checkout",
      unit: "alice",
      enabled: false,
      value: "off",
    });
    const staging = run("new_checkout", "--user", "alice", "--attr", "plan=pro", "--env", "staging");
    expect(JSON.parse(staging.stdout)).toMatchObject({ enabled: true, value: "on" });
    expect(JSON.parse(run("new_checkout", "--user", "alice", "--env", "staging").stdout)).toMatchObject({
      enabled: false,
    });
    expect(JSON.parse(cli(["flag", "copy", "--session", "s1"], { cwd: dir }).stdout)).toEqual({
      flag: "copy",
      unit: "s1",
      enabled: true,
      value: "short",
    });
    expect(
      JSON.parse(
        cli(["flag", "new_checkout", "--user", "a", "--attr", "plan=pro"], {
          cwd: dir,
          env: { ASSAY_ENV: "staging" },
        }).stdout,
      ),
    ).toMatchObject({ enabled: true });
  });

  it("rejects an undeclared flag, a missing unit and an unknown environment", () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const unknown = cli(["flag", "nope", "--user", "a"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('flag "nope" is not declared (flags: new_checkout, copy)');
    expect(cli(["flag", "copy"], { cwd: dir }).code).toBe(2);
    const env = cli(["flag", "copy", "--user", "a", "--env", "stagin"], { cwd: dir });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('did you mean "staging"?');
  });
});

describe("environments in validate and assign", () => {
  it("validate --env reports the merged result, and a broken environment block at its line", () => {
    const dir = tempDir({
      "assay.toml": MANIFEST,
      "broken.toml": MANIFEST.replace(
        "weights = { control = 0, treatment = 100 }",
        "weights = { control = 0, treatmnt = 100 }",
      ),
    });
    const ok = cli(["validate", "--env", "staging"], { cwd: dir });
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toContain("assay.toml: valid (2 plugins, 1 experiments, 2 flags, environment staging)");
    const broken = cli(["validate", "broken.toml", "--env", "production"], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      "broken.toml:14:26: plugins[0].experiments[0].env.staging.weights.treatmnt: no variant `treatmnt` in this experiment; did you mean `treatment`?",
    );
    const unknown = cli(["validate", "--env", "prod"], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'environment "prod" (ASSAY_ENV or --env) is not in this manifest\'s environments',
    );
  });

  it("assign --env runs the environment's weights; forced and targeting show their reasons", () => {
    const dir = tempDir({ "assay.toml": MANIFEST });
    const line = (...args: string[]) => JSON.parse(cli(["assign", "checkout", ...args], { cwd: dir }).stdout);
    expect(line("--user", "bob", "--attr", "country=FR")).toMatchObject({
      variant: "control",
      reason: "hash",
    });
    expect(line("--user", "bob", "--attr", "country=FR", "--env", "staging")).toMatchObject({
      variant: "treatment",
    });
    expect(line("--user", "bob")).toMatchObject({
      variant: "control",
      inExperiment: false,
      reason: "targeting",
    });
    expect(line("--user", "qa-alice")).toMatchObject({
      variant: "treatment",
      inExperiment: false,
      reason: "forced",
    });
  });
});
