import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

const MAIN = join(import.meta.dirname, "..", "dist", "main.js");

it("prints its URL last, serves an HTML 404, and exits 0 on Ctrl-C (SIGINT) after flushing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "assay-demo-"));
  const manifest = join(dir, "assay.toml");
  await writeFile(manifest, await readFile(join(import.meta.dirname, "..", "assay.toml"), "utf8"));
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: "0", ASSAY_MANIFEST: manifest },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /Assay demo shop: (http:\/\/\S+)\n$/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  // the URL is the last line, after everything else the demo prints
  expect(stdout.trimEnd().split("\n").at(-1)).toBe(`Assay demo shop: ${url}`);

  const missing = await fetch(new URL("no-such-page?x=1", url));
  expect(missing.status).toBe(404);
  expect(missing.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const body = await missing.text();
  expect(body).toMatch(/^<!doctype html>/);
  expect(body).toContain("<code>/no-such-page</code>");
  expect((await fetch(url)).status).toBe(200);
  // A first start seeds a simulated week, and the results dashboard says so.
  expect(stdout).toMatch(/seeded: {3}a simulated week \(14,000 visitors/);
  const results = await fetch(new URL("results/experiments/checkout_button_color", url));
  expect(results.status).toBe(200);
  const page = await results.text();
  expect(page).toContain('data-simulated="true"');
  expect(page).toMatch(/data-decision="[a-z-]+"/);

  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(stdout).toContain("stopping: closing the server and flushing events...");
  expect(stderr).toBe("");
}, 60_000);
