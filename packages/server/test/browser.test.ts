import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createAssay } from "@assay/runtime";
import { evaluate } from "@assay/stats";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, serveDashboard } from "../src/index.js";
import { DATA, DAYS, openerFor, planOf, seededManifest } from "./support/stores.js";

/** Debian's chromium; .ci/run installs it when missing. */
const CHROMIUM = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots land here (gitignored), for a person to look at after a run. */
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts");
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

let manifest = "";
let server: RunningDashboard;
let browser: Browser;
/** `evaluate`'s decision on each experiment's summary, computed here, apart from the server. */
const decisions = new Map<string, string>();

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set ASSAY_CHROMIUM)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  manifest = await seededManifest();
  const assay = await createAssay({ manifest, handleSignals: false });
  for (const definition of assay.experiments()) {
    const plan = planOf(definition);
    if (plan !== undefined)
      decisions.set(definition.id, evaluate(plan, await assay.summarize(definition.id)).decision);
  }
  await assay.close();
  server = await serveDashboard({ open: openerFor(manifest), port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens `path` at a viewport, fails on any console error or page error, and saves a screenshot. */
async function visit(
  path: string,
  viewport: keyof typeof VIEWPORTS,
  shot: string,
  status = 200,
): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORTS[viewport] });
  const errors: string[] = [];
  page.on("console", (m) => {
    // Chromium logs a page's own non-200 status as a console error; that status is asserted below.
    const own =
      status !== 200 &&
      m.text().includes(`status of ${status}`) &&
      m.location().url === new URL(path, server.url).href;
    if (m.type() === "error" && !own) errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  const response = await page.goto(new URL(path, server.url).href);
  expect(response?.status(), path).toBe(status);
  await page.screenshot({ path: join(ARTIFACTS, `${shot}-${viewport}.png`), fullPage: true });
  expect(errors, `console errors on ${path}`).toEqual([]);
  return page;
}

/**
 * The SVG the browser chose for `selector`'s image at this viewport (the narrow one on a phone), after
 * checking that it loaded and shows at a readable size.
 */
async function shownChart(page: Page, selector: string, viewport: keyof typeof VIEWPORTS): Promise<string> {
  const img = page.locator(selector);
  expect(await img.count(), selector).toBe(1);
  const { src, natural, shown } = await img.evaluate((el: ShownImage) => ({
    src: el.currentSrc,
    natural: el.naturalWidth,
    shown: el.getBoundingClientRect().width,
  }));
  expect(src).toContain(viewport === "phone" ? "size=narrow" : "size=wide");
  expect(natural, `${src} did not load`).toBeGreaterThan(0);
  // Drawn for the width it is shown at: scaled down by at most a fifth, so labels stay readable.
  expect(shown / natural).toBeGreaterThan(0.8);
  const res = await fetch(src);
  expect(res.headers.get("content-type")).toContain("image/svg+xml");
  return res.text();
}

/** What the test reads of an <img> in the page (tests are typed without the DOM library). */
interface ShownImage {
  readonly currentSrc: string;
  readonly naturalWidth: number;
  getBoundingClientRect(): { readonly width: number };
}

/** Marks of the Vega-Lite layer named `name` in an SVG: the paths of its mark group. */
function marks(svg: string, name: string): number {
  const start = svg.indexOf(`role-mark ${name}_marks"`);
  if (start < 0) return 0;
  const end = svg.indexOf("</g>", start);
  return (svg.slice(start, end).match(/<path /g) ?? []).length;
}

describe("the dashboard in Chromium", () => {
  it("the list shows every experiment with the decision evaluate reports", async () => {
    for (const viewport of ["desktop", "phone"] as const) {
      const page = await visit("/", viewport, "index");
      for (const [id, decision] of decisions) {
        const badge = page.locator(`tr[data-experiment="${id}"] [data-decision]`);
        expect(await badge.getAttribute("data-decision"), id).toBe(decision);
      }
      expect(await page.locator("tr[data-experiment]").count()).toBe(7);
      await page.close();
    }
  });

  for (const id of Object.keys(DATA)) {
    it(`${id}: banner = evaluate's decision, one interval mark per metric × treatment, one trend point per day`, async () => {
      for (const viewport of ["desktop", "phone"] as const) {
        const page = await visit(`/experiments/${id}`, viewport, id);
        expect(await page.locator("section.banner").getAttribute("data-decision")).toBe(decisions.get(id));
        const report = (await (await fetch(new URL(`/api/experiments/${id}`, server.url))).json()) as {
          treatments: Array<{ variant: string; metrics: Array<{ metric: string; verdict: string }> }>;
          arms: Array<{ variant: string }>;
        };
        const metrics = [...new Set(report.treatments.flatMap((t) => t.metrics.map((m) => m.metric)))];
        expect(metrics.length).toBeGreaterThan(0);
        for (const metric of metrics) {
          const tested = report.treatments.filter((t) =>
            t.metrics.some((m) => m.metric === metric && m.verdict !== "insufficient-data"),
          ).length;
          const svg = await shownChart(
            page,
            `figure[data-chart="interval"][data-metric="${metric}"] img`,
            viewport,
          );
          expect(marks(svg, "estimate"), `${id} ${metric}`).toBe(tested);
        }
        const treatmentsWithTrend = report.treatments.filter(
          (t) => t.metrics[0]?.verdict !== "insufficient-data",
        ).length;
        const trend = await shownChart(page, 'figure[data-chart="trend"] img', viewport);
        expect(marks(trend, "day")).toBe(DAYS * treatmentsWithTrend);
        for (const arm of report.arms) {
          expect(await page.locator(`tr[data-arm="${arm.variant}"]`).count(), arm.variant).toBe(1);
        }
        // Every result and interval is on screen, not scrolled out of a table sideways (on a phone the
        // metric rows become label/value pairs).
        const width = VIEWPORTS[viewport].width;
        for (const cell of await page
          .locator('#metrics td[data-label="result"], #metrics td[data-label="CI"]')
          .all()) {
          const box = await cell.boundingBox();
          expect(box, `${id} ${viewport}`).not.toBeNull();
          expect(box!.x + box!.width, `${id} ${viewport}: ${await cell.textContent()}`).toBeLessThanOrEqual(
            width,
          );
        }
        await page.close();
      }
    });
  }

  it("the SRM experiment shows the mismatch, the breach its guardrail, the 0-unit arm its row", async () => {
    const srm = await visit("/experiments/srm_test", "desktop", "srm-check");
    expect(await srm.locator('#srm [data-srm="mismatch"]').count()).toBe(1);
    await srm.close();
    const breach = await visit("/experiments/breach_test", "desktop", "breach-check");
    expect(await breach.locator('[data-metric="errors"] [data-verdict="breach"]').count()).toBe(1);
    await breach.close();
    const zero = await visit("/experiments/zero_arm", "desktop", "zero-check");
    expect(await zero.locator('tr[data-arm="late"] td.num').nth(1).textContent()).toBe("0");
    await zero.close();
  });

  it("cuts an experiment by a declared dimension: ?by= links, slices with their SRM badge, the caveat", async () => {
    const plain = await visit("/experiments/ship_test", "desktop", "breakdown-links");
    expect(await plain.locator('#breakdown a[data-by="country"]').count()).toBe(1);
    expect(await plain.locator("#breakdown .slice").count()).toBe(0);
    await plain.locator('#breakdown a[data-by="country"]').click();
    await plain.waitForURL(/by=country/);
    expect(await plain.locator("#breakdown .slice").count()).toBe(4);
    await plain.close();
    for (const viewport of ["desktop", "phone"] as const) {
      const page = await visit("/experiments/ship_test?by=country", viewport, "breakdown");
      const slices = page.locator("#breakdown .slice");
      expect(await slices.evaluateAll((els) => els.map((e) => e.getAttribute("data-slice")))).toEqual([
        "BR",
        "DE",
        "FR",
        "US",
      ]);
      expect(await page.locator('#breakdown .slice[data-srm="ok"] [data-srm="ok"]').count()).toBe(4);
      // ship_test's plan has 3 metrics and 1 treatment: 4 slices × 3 = 12 tests, said in the caveat
      expect(await page.locator("#breakdown [data-caveat]").textContent()).toMatch(
        /Exploratory, not part of the decision\. 12 tests across 4 slices of country × 3 metrics/,
      );
      expect(
        await page.locator('#breakdown .slice[data-slice="DE"] tr[data-metric="checkout"]').count(),
      ).toBe(1);
      await page
        .locator("#breakdown")
        .screenshot({ path: join(ARTIFACTS, `breakdown-section-${viewport}.png`) });
      await page.close();
    }
    // srm_test's extra treatment units are all in BR: that slice's split is off, the others' are not
    const srm = await visit("/experiments/srm_test?by=country", "desktop", "breakdown-srm");
    const flags = await srm
      .locator("#breakdown .slice")
      .evaluateAll((els) => els.map((e) => `${e.getAttribute("data-slice")}:${e.getAttribute("data-srm")}`));
    expect(flags).toEqual(["BR:mismatch", "DE:ok", "FR:ok", "US:ok"]);
    await srm
      .locator("#breakdown")
      .screenshot({ path: join(ARTIFACTS, "breakdown-srm-section-desktop.png") });
    await srm.close();
    // a dimension the experiment does not declare: said so, no slice
    const undeclared = await visit("/experiments/ship_test?by=tier", "desktop", "breakdown-undeclared");
    expect(await undeclared.locator('[data-breakdown="unavailable"]').textContent()).toContain(
      "does not declare the dimension tier",
    );
    await undeclared.close();
    // the JSON twin
    const json = (await (
      await fetch(new URL("/api/experiments/ship_test?by=country", server.url))
    ).json()) as {
      breakdown: { dimension: string; tests: number; slices: unknown[] };
    };
    expect(json.breakdown).toMatchObject({ dimension: "country", tests: 12 });
    expect(json.breakdown.slices).toHaveLength(4);
    const refused = await fetch(new URL("/api/experiments/ship_test?by=tier", server.url));
    expect(refused.status).toBe(400);
  });

  it("pages without data, an unknown id: readable pages, no console error", async () => {
    const empty = await visit("/experiments/empty_test", "phone", "empty");
    expect(await empty.locator('[data-empty="true"]').count()).toBe(1);
    await empty.close();
    const unknown = await visit("/experiments/nope", "desktop", "unknown", 404);
    expect(await unknown.locator("h1").textContent()).toBe("Experiment not found");
    await unknown.close();
  });
});
