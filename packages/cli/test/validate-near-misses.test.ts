import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const manifest = (experiment: string) => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "pricing"
${experiment}
`;

describe("assay validate on near misses", () => {
  it("warns about weights 100x apart (exit 0), and --strict makes the warning an error (exit 1)", () => {
    const dir = tempDir({
      "assay.toml": manifest(
        'variants = [{ id = "control", weight = 0.5, is_control = true }, { id = "annual", weight = 50 }]',
      ),
    });
    const lenient = cli(["validate"], { cwd: dir });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain("assay.toml: valid");
    expect(lenient.stderr).toContain(
      "assay.toml:7:40: plugins[0].experiments[0].variants[0].weight: warning: weight 0.5 of `control` is 100× smaller than 50 of `annual`",
    );
    const strict = cli(["validate", "--strict"], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("warning: weight 0.5");
    expect(strict.stderr).toContain("assay.toml: 1 warning, errors under --strict");
  });

  it("refuses a misspelt unit with the one meant, and an unterminated string at its line", () => {
    const unit = cli(["validate"], {
      cwd: tempDir({
        "assay.toml": manifest(
          'unit = "sesion"\nvariants = [{ id = "control", weight = 1, is_control = true }, { id = "b", weight = 1 }]',
        ),
      }),
    });
    expect(unit.code).toBe(1);
    expect(unit.stderr).toContain("assay.toml:7:8: plugins[0].experiments[0].unit: unit `sesion` is not");
    expect(unit.stderr).toContain("did you mean `session`?");

    const unterminated = cli(["validate"], {
      cwd: tempDir({
        "assay.toml": '[[plugins]]\nname = "experiment-hash\nsource = "@assay/experiment-hash"\n',
      }),
    });
    expect(unterminated.code).toBe(1);
    expect(unterminated.stderr).toContain("assay.toml:2:8: TOML syntax error: unterminated string");
    expect(unterminated.stderr).not.toContain("control characters");
  });
});
