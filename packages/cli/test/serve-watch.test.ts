import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, tempDir } from "./helpers.js";

const manifest = (value: string, extra = "") => `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "exp"
variants = [{ id = "control", weight = 50, is_control = true, value = "${value}" }, { id = "treatment", weight = 50, value = "${value}" }]
${extra}`;

async function evaluate(url: string): Promise<{ value?: unknown; reason?: string }> {
  const response = await fetch(new URL("/ofrep/v1/evaluate/flags/exp", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey: "alice" } }),
  });
  return (await response.json()) as { value?: unknown; reason?: string };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - start > 10_000) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("assay serve --watch", () => {
  it("serves each valid edit of the manifest, refuses a broken one and keeps the old serving", async () => {
    const dir = tempDir({ "assay.toml": manifest("one") });
    const child: ChildProcess = spawn(process.execPath, [BIN, "serve", "--port", "0", "--watch"], {
      cwd: dir,
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk) => {
        out += chunk;
        const found = /(http:\/\/\S+\/)/.exec(out)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out} ${stderr}`)));
    });
    try {
      expect(await evaluate(url)).toMatchObject({ value: "one" });
      writeFileSync(join(dir, "assay.toml"), manifest("two"));
      await until(
        () => evaluate(url),
        (answer) => answer.value === "two",
      );
      expect(stderr).toMatch(/manifest reloaded: version 2 \(sha256:[0-9a-f]{16}, was sha256:[0-9a-f]{16}\)/);

      writeFileSync(join(dir, "assay.toml"), manifest("three").replace("weight = 50,", "weight = -5,"));
      await until(
        async () => stderr,
        (text) => text.includes("manifest refused"),
      );
      expect(stderr).toMatch(/assay\.toml:7:\d+: plugins\[0\]\.experiments\[0\]\.variants\[0\]\.weight/);
      expect(await evaluate(url)).toMatchObject({ value: "two" });
      // /readyz: still ready, on the last good manifest, and names the refused one with its error
      const ready = (await (await fetch(new URL("/readyz", url))).json()) as {
        ready: boolean;
        manifest?: { watching: boolean; manifestVersion: string; rejected?: { errors: string[] } };
      };
      expect(ready.ready).toBe(true);
      expect(ready.manifest?.watching).toBe(true);
      expect(ready.manifest?.manifestVersion).toMatch(/^sha256:/);
      expect(ready.manifest?.rejected?.errors.join("\n")).toMatch(/assay\.toml:7:\d+: .*weight/);

      writeFileSync(join(dir, "assay.toml"), manifest("four", "enabled = false"));
      const off = await until(
        () => evaluate(url),
        (answer) => answer.value === "four",
      );
      expect(off.reason).toBe("DISABLED");
    } finally {
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    }
  });

  it("refuses --poll-ms without --watch", async () => {
    const { cli } = await import("./helpers.js");
    const dir = tempDir({ "assay.toml": manifest("one") });
    const result = cli(["serve", "--poll-ms", "500"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--poll-ms applies with --watch/);
  });
});
