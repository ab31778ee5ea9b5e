import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, cli, tempDir } from "./helpers.js";

const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "planned"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
analysis = { primary = ["checkout"], guardrails = [{ metric = "errors", direction = "decrease" }], minimum_sample = 200 }

[[plugins.experiments]]
id = "unplanned"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "b", weight = 25 }, { id = "c", weight = 25 }]
`;

let dir = "";

/** Starts `assay serve` and resolves with the URL it prints. */
function start(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const url = /(http:\/\/\S+\/)/.exec(out)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.on("exit", (code) =>
      reject(new Error(`assay serve exited ${code} before printing its URL: ${out}`)),
    );
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

beforeAll(async () => {
  dir = tempDir({ "assay.toml": MANIFEST });
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
  const start = Date.UTC(2026, 10, 1);
  const pending: Promise<void>[] = [];
  for (const [experiment, variants] of [
    ["planned", ["control", "treatment"]],
    ["unplanned", ["control", "b", "c"]],
  ] as const) {
    for (const [k, variantId] of variants.entries()) {
      for (let i = 0; i < 300; i++) {
        const ctx = ExperimentContext.forUser(`${experiment}-${variantId}-${i}`);
        const at = start + (i % 5) * 86_400_000 + i * 1000;
        const variant = {
          experiment,
          variantId,
          isControl: k === 0,
          inExperiment: true,
          reason: "hash",
        } as const;
        pending.push(assay.expose(variant, ctx, { timestamp: new Date(at) }));
        const after = { timestamp: new Date(at + 500) };
        if (i % 10 < 1 + k) pending.push(assay.track(experiment, "checkout", true, ctx, after));
        if (i % 50 === 0) pending.push(assay.track(experiment, "errors", true, ctx, after));
      }
    }
  }
  await Promise.all(pending);
  await assay.close();
}, 60_000);

describe("assay serve", () => {
  let server: { child: ChildProcess; url: string } | undefined;
  afterAll(async () => {
    if (server !== undefined) await stop(server.child);
  });

  it("prints a 127.0.0.1 URL whose JSON twin is exactly `assay results --json`", async () => {
    server = await start([]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const id of ["planned", "unplanned"]) {
      const printed = cli(["results", id, "--json"], { cwd: dir });
      expect(printed.code).toBe(0);
      const served = await (await fetch(new URL(`/api/experiments/${id}`, server.url))).json();
      expect(served, id).toEqual(JSON.parse(printed.stdout));
      const daily = cli(["results", id, "--json", "--daily"], { cwd: dir });
      const servedDaily = await (await fetch(new URL(`/api/experiments/${id}?daily=1`, server.url))).json();
      expect(servedDaily, `${id} daily`).toEqual(JSON.parse(daily.stdout));
      const page = await fetch(new URL(`/experiments/${id}`, server.url));
      expect(page.status).toBe(200);
      const decision = JSON.parse(printed.stdout).decision as string;
      expect(await page.text()).toContain(`data-decision="${decision}"`);
    }
  });

  it("exits 0 on SIGTERM", async () => {
    const s = await start([]);
    expect(await stop(s.child)).toBe(0);
  });

  it("refuses a public host without a token (exit 2), and starts with one from the environment", async () => {
    const refused = cli(["serve", "--host", "0.0.0.0", "--port", "0"], {
      cwd: dir,
      env: { ASSAY_DASHBOARD_TOKEN: "" },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("refusing to listen on 0.0.0.0 without a token");
    const s = await start(["--host", "0.0.0.0"], { ASSAY_DASHBOARD_TOKEN: "t0ken" });
    try {
      const port = new URL(s.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/api/experiments`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${port}/api/experiments`, {
        headers: { authorization: "Bearer t0ken" },
      });
      expect(ok.status).toBe(200);
    } finally {
      await stop(s.child);
    }
  });

  it("--keys FILE and ASSAY_API_KEYS: a read key opens the reports, an evaluate key gets 403 there", async () => {
    const keys = join(dir, "keys.toml");
    writeFileSync(keys, `[[keys]]\nname = "analyst"\nkey = "read-key-0123456789"\nroles = ["read"]\n`);
    const s = await start(["--host", "0.0.0.0", "--keys", keys], {
      ASSAY_DASHBOARD_TOKEN: "",
      ASSAY_API_KEYS: "browser-key-0123456789:evaluate",
    });
    try {
      const url = `http://127.0.0.1:${new URL(s.url).port}/api/experiments`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { "x-api-key": "read-key-0123456789" } })).status).toBe(200);
      const wrongRole = await fetch(url, { headers: { authorization: "Bearer browser-key-0123456789" } });
      expect(wrongRole.status).toBe(403);
    } finally {
      await stop(s.child);
    }
  });

  it("a bad keys file or CORS origin is a usage error naming the problem", () => {
    const keys = join(dir, "bad-keys.toml");
    writeFileSync(keys, `[[keys]]\nkey = "read-key-0123456789"\nroles = ["reader"]\n`);
    const bad = cli(["serve", "--keys", keys], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('keys[0].roles[0]: "reader" is not a role');
    const cors = cli(["serve", "--cors-origin", "https://shop.example/path"], { cwd: dir });
    expect(cors.code).toBe(2);
    expect(cors.stderr).toContain("without a path");
  });

  it("serves OFREP: single and bulk evaluations agree with assay assign", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `ofrep-user-${i}`);
    writeFileSync(join(dir, "ofrep-ids.txt"), `${ids.join("\n")}\n`);
    const assigned = cli(["assign", "unplanned", "--users", "ofrep-ids.txt"], { cwd: dir });
    expect(assigned.code).toBe(0);
    const want = new Map(
      assigned.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { unit: string; variant: string })
        .map((l) => [l.unit, l.variant]),
    );
    const s = await start([]);
    try {
      for (const id of ids) {
        const body = JSON.stringify({ context: { targetingKey: id } });
        const init = { method: "POST", headers: { "content-type": "application/json" }, body };
        const one = await (await fetch(new URL("/ofrep/v1/evaluate/flags/unplanned", s.url), init)).json();
        expect(one).toMatchObject({ key: "unplanned", variant: want.get(id), value: want.get(id) });
        const all = (await (await fetch(new URL("/ofrep/v1/evaluate/flags", s.url), init)).json()) as {
          flags: { key: string; variant?: string }[];
        };
        expect(all.flags.find((f) => f.key === "unplanned")?.variant).toBe(want.get(id));
      }
    } finally {
      await stop(s.child);
    }
  });

  it("a bad port or an unreadable token file is a usage error", () => {
    expect(cli(["serve", "--port", "http"], { cwd: dir }).code).toBe(2);
    const missing = cli(["serve", "--token-file", join(dir, "nope")], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
  });
});
