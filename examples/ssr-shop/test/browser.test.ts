import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportOf } from "@assay/cli";
import { createAssay } from "@assay/runtime";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Debian's chromium; .ci/run installs it when missing. */
const CHROMIUM = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots for a person to look at after a run (gitignored). */
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts");
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const MAIN = join(import.meta.dirname, "..", "dist", "main.js");
const EXPERIMENT = "checkout_button_color";
/** A person's browser: the shop counts no headless browser (HeadlessChrome is on its bot list). */
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

let demo: ChildProcess;
let url = "";
let manifest = "";
let browser: Browser;

/** Starts the built demo as `npm run demo` does, on a fresh copy of the manifest; resolves with its URL. */
async function startDemo(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "assay-demo-browser-"));
  manifest = join(dir, "assay.toml");
  await writeFile(manifest, await readFile(join(import.meta.dirname, "..", "assay.toml"), "utf8"));
  demo = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: "0", ASSAY_MANIFEST: manifest },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  url = await new Promise<string>((resolve, reject) => {
    demo.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /Assay demo shop: (http:\/\/\S+)\n$/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    demo.on("exit", (code) => reject(new Error(`the demo exited ${code} before listening`)));
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set ASSAY_CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  await startDemo();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo?.exitCode === null) {
    const exited = new Promise((resolve) => demo.once("exit", resolve));
    demo.kill("SIGTERM");
    await exited;
  }
});

/** Opens `path` at a viewport, fails on any console or page error, and saves a screenshot. */
async function visit(path: string, viewport: keyof typeof VIEWPORTS, shot: string): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORTS[viewport], userAgent: USER_AGENT });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  const response = await page.goto(new URL(path, url).href);
  expect(response?.status(), path).toBe(200);
  await page.waitForLoadState("load");
  await page.screenshot({ path: join(ARTIFACTS, `demo-${shot}-${viewport}.png`), fullPage: true });
  expect(errors, `console errors on ${path}`).toEqual([]);
  return page;
}

describe("the demo shop in Chromium", () => {
  it("a visitor buys, follows 'Results so far' to the dashboard and finds the decision assay results reports", async () => {
    for (const [visitors, viewport] of [
      [1, "desktop"],
      [2, "phone"],
    ] as const) {
      const shop = await visit("/", viewport, "shop");
      await shop.locator("form button").click();
      await shop.waitForURL(/\/thanks$/);
      await shop.getByRole("link", { name: "Results so far" }).click();
      await shop.waitForURL(/\/results\/experiments\/checkout_button_color$/);
      await shop.screenshot({ path: join(ARTIFACTS, `demo-results-${viewport}.png`), fullPage: true });
      const assay = await createAssay({ manifest, handleSignals: false });
      const definition = assay.experiments().find((e) => e.id === EXPERIMENT)!;
      const expected = reportOf(definition, await assay.summarize(EXPERIMENT), undefined);
      await assay.close();
      expect(await shop.locator("section.banner").getAttribute("data-decision")).toBe(expected.decision);
      expect(await shop.locator('[data-simulated="true"]').count()).toBe(1);
      // The simulated week plus this test's visitors, each counted from the exposure to their purchase.
      expect(expected.arms.reduce((n, a) => n + a.units, 0)).toBe(14_000 + visitors);
      expect(await shop.textContent("body")).not.toContain("no earlier exposure");
      // One interval mark per metric, both charts of the effect over time and the exposures loaded.
      for (const selector of [
        'figure[data-chart="interval"][data-metric="checkout"] img',
        'figure[data-chart="interval"][data-metric="revenue"] img',
        'figure[data-chart="trend"] img',
        'figure[data-chart="exposures"] img',
      ]) {
        const loaded = await shop
          .locator(selector)
          .evaluate((el: { naturalWidth: number }) => el.naturalWidth);
        expect(loaded, selector).toBeGreaterThan(0);
      }
      for (const arm of ["control", "treatment"])
        expect(await shop.locator(`tr[data-arm="${arm}"]`).count()).toBe(1);
      await shop.close();
    }
  });

  it("the dashboard's list at /results links to the experiment, under /results", async () => {
    for (const viewport of ["desktop", "phone"] as const) {
      const page = await visit("/results", viewport, "index");
      const link = page.locator(`tr[data-experiment="${EXPERIMENT}"] a`).first();
      expect(await link.getAttribute("href")).toBe(`/results/experiments/${EXPERIMENT}`);
      expect(await page.locator(`tr[data-experiment="${EXPERIMENT}"] [data-simulated="true"]`).count()).toBe(
        1,
      );
      await page.close();
    }
  });
});
