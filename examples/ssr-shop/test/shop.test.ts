import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportOf } from "@assay/cli";
import { createAssay } from "@assay/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_WEEK, seedDemoWeek } from "../src/seed.js";
import { buildServer } from "../src/server.js";

const MANIFEST = await readFile(join(import.meta.dirname, "..", "assay.toml"), "utf8");

async function shop() {
  const dir = await mkdtemp(join(tmpdir(), "assay-shop-"));
  await writeFile(join(dir, "assay.toml"), MANIFEST);
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), handleSignals: false });
  const app = buildServer(assay, { manifestDir: dir });
  return { assay, app, dir };
}

const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const x of opened.splice(0)) await x.close();
});

const cookieOf = (setCookie: string | string[] | undefined) =>
  String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";")[0]!;

describe("ssr-shop", () => {
  it("gives a visitor a cookie, renders their variant, and keeps it on later visits", async () => {
    const { assay, app } = await shop();
    opened.push(app, assay);
    const first = await app.inject({ method: "GET", url: "/" });
    expect(first.statusCode).toBe(200);
    const cookie = cookieOf(first.headers["set-cookie"]);
    expect(cookie).toMatch(/^assay_visitor=[0-9a-f-]{36}\.[\w-]{43}$/); // a visitor id, signed
    const variant = /data-variant="([^"]+)"/.exec(first.body)![1];
    expect(["control", "treatment"]).toContain(variant);
    expect(first.body).toContain(variant === "treatment" ? "Buy now" : "Checkout");
    for (let i = 0; i < 3; i++) {
      const again = await app.inject({ method: "GET", url: "/", headers: { cookie } });
      expect(again.headers["set-cookie"]).toBeUndefined();
      expect(again.body).toContain(`data-variant="${variant}"`);
    }
  });

  it("exposes rendered variants and records checkouts, counted per visitor", async () => {
    const { assay, app } = await shop();
    opened.push(app, assay);
    const visitors: Array<{ cookie: string; variant: string }> = [];
    for (let i = 0; i < 40; i++) {
      const res = await app.inject({ method: "GET", url: "/" });
      visitors.push({
        cookie: cookieOf(res.headers["set-cookie"]),
        variant: /data-variant="([^"]+)"/.exec(res.body)![1]!,
      });
    }
    const buyers = visitors.slice(0, 10);
    for (const { cookie } of buyers) {
      const res = await app.inject({ method: "POST", url: "/checkout", headers: { cookie } });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/thanks");
    }
    await assay.flush();
    const summary = await assay.summarize("checkout_button_color");
    const exposed = Object.fromEntries(summary.variants.map((v) => [v.variantId, v.exposedUnits]));
    for (const variant of ["control", "treatment"]) {
      expect(exposed[variant] ?? 0).toBe(visitors.filter((v) => v.variant === variant).length);
    }
    const checkout = summary.metrics.find((m) => m.metric === "checkout")!;
    for (const variant of ["control", "treatment"]) {
      const row = checkout.variants.find((v) => v.variantId === variant);
      expect(row?.sum ?? 0).toBe(buyers.filter((b) => b.variant === variant).length);
    }
    const revenue = summary.metrics.find((m) => m.metric === "revenue")!;
    expect(revenue.variants.reduce((a, v) => a + v.sum, 0)).toBe(10 * 24);

    const page = await app.inject({ method: "GET", url: "/results/experiments/checkout_button_color" });
    expect(page.statusCode).toBe(200);
    for (const variant of ["control", "treatment"]) {
      const row = new RegExp(
        `data-arm="${variant}">.*?data-label="weight">50%</td><td class="num" data-label="exposed units">${exposed[variant] ?? 0}</td>`,
      );
      expect(page.body).toMatch(row);
    }
  });

  it("shows Assay's results dashboard at /results: every variant even before any visitor, the decision of reportOf", async () => {
    const { assay, app } = await shop();
    opened.push(app, assay);
    const index = await app.inject({ method: "GET", url: "/results" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('data-experiment="checkout_button_color"');
    expect(index.body).toContain('href="/results/experiments/checkout_button_color"');
    const empty = await app.inject({ method: "GET", url: "/results/experiments/checkout_button_color" });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('data-empty="true"');
    expect(empty.body).toContain('data-arm="control"');
    expect(empty.body).toContain('data-arm="treatment"');
    await app.inject({ method: "GET", url: "/" });
    const json = await app.inject({ method: "GET", url: "/results/api/experiments/checkout_button_color" });
    const definition = assay.experiments().find((e) => e.id === "checkout_button_color")!;
    const expected = reportOf(definition, await assay.summarize("checkout_button_color"), undefined);
    expect(json.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    const page = await app.inject({ method: "GET", url: "/results/experiments/checkout_button_color" });
    expect(page.body).toContain(`data-decision="${expected.decision}"`);
    const product = await app.inject({ method: "GET", url: "/" });
    expect(product.body).toContain('href="/results/experiments/checkout_button_color"');
  });

  it("seeds a simulated week into an empty store, marked as simulated, and never into one with visitors", async () => {
    const { assay, app, dir } = await shop();
    opened.push(app, assay);
    const seeded = await seedDemoWeek(assay, dir);
    expect(seeded?.spec.users).toBe(DEMO_WEEK.users);
    const summary = await assay.summarize("checkout_button_color");
    const units = summary.variants.reduce((a, v) => a + v.exposedUnits, 0);
    expect(units).toBe(DEMO_WEEK.users);
    const page = await app.inject({ method: "GET", url: "/results/experiments/checkout_button_color" });
    expect(page.body).toContain('data-simulated="true"');
    expect(page.body).toContain("true effects built in: checkout +20%");
    expect(await seedDemoWeek(assay, dir)).toBeUndefined();
    const report = reportOf(
      assay.experiments()[0]!,
      await assay.summarize("checkout_button_color"),
      undefined,
    );
    const checkout = report.treatments[0]!.metrics.find((m) => m.metric === "checkout")!;
    expect(checkout.ci[0]).toBeLessThan(0.2);
    expect(checkout.ci[1]).toBeGreaterThan(0.2);
  });

  it("does not count a checkout from a visitor who never saw the page", async () => {
    const { assay, app } = await shop();
    opened.push(app, assay);
    const res = await app.inject({ method: "POST", url: "/checkout" });
    expect(res.statusCode).toBe(303);
    await assay.flush();
    const summary = await assay.summarize("checkout_button_color");
    expect(summary.variants).toEqual([]);
    expect(summary.unattributedOutcomes).toBe(2);
  });
});
