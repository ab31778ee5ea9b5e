import { dirname } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MountPrefixError, mountDashboard, writeSimulationNote } from "../src/index.js";
import { openerFor, seededManifest } from "./support/stores.js";

let host: FastifyInstance;

beforeAll(async () => {
  const manifest = await seededManifest();
  await writeSimulationNote(dirname(manifest), {
    experiment: "ship_test",
    seed: "42",
    users: 12_000,
    days: 7,
    end: "2026-11-30",
    effects: ["checkout +10%"],
    exposures: 15_000,
    outcomes: 2_400,
    writtenAt: "2026-12-01T00:00:00.000Z",
  });
  host = Fastify();
  host.get("/", async () => "the shop");
  await mountDashboard(host, {
    prefix: "/results",
    open: openerFor(manifest),
    manifestDir: dirname(manifest),
  });
}, 60_000);
afterAll(async () => {
  await host?.close();
});

/** Every href and src of a page. */
const links = (html: string) => [...html.matchAll(/(?:href|src|srcset|action)="([^"]+)"/g)].map((m) => m[1]!);

describe("the dashboard mounted under /results of another app", () => {
  it("answers its index at /results and /results/, with every link under the prefix", async () => {
    for (const url of ["/results", "/results/"]) {
      const res = await host.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.body).toContain('data-experiment="ship_test"');
      for (const link of links(res.body).filter((l) => l.startsWith("/"))) {
        expect(link, url).toMatch(/^\/results\//);
      }
    }
    expect((await host.inject("/")).body).toBe("the shop");
  });

  it("serves an experiment page whose links, charts and JSON twin all answer under the prefix", async () => {
    const res = await host.inject("/results/experiments/ship_test");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    const own = links(res.body).filter((l) => l.startsWith("/"));
    expect(own.some((l) => l.includes("/charts/interval.svg"))).toBe(true);
    for (const link of own) {
      expect(link).toMatch(/^\/results\//);
      const target = await host.inject(link.replace(/&amp;/g, "&"));
      expect(target.statusCode, link).toBe(200);
    }
    const api = await host.inject("/results/api/experiments/ship_test");
    expect(api.statusCode).toBe(200);
    expect((api.json() as { experiment: string }).experiment).toBe("ship_test");
  });

  it("marks simulated data: a notice on the page with the true effects, a badge in the list", async () => {
    const page = await host.inject("/results/experiments/ship_test");
    expect(page.body).toContain('data-simulated="true"');
    expect(page.body).toContain("Simulated data.");
    expect(page.body).toContain("12,000 visitors over 7 days to 2026-11-30");
    expect(page.body).toContain("true effects built in: checkout +10%");
    const other = await host.inject("/results/experiments/breach_test");
    expect(other.body).not.toContain('data-simulated="true"');
    const index = await host.inject("/results");
    expect(index.body).toMatch(/data-experiment="ship_test">.*?data-simulated="true"/s);
    expect(index.body).not.toMatch(/data-experiment="breach_test"><td>[^\n]*data-simulated/);
  });

  it("keeps its own 404 pages, with links under the prefix", async () => {
    const unknown = await host.inject("/results/experiments/nope");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('href="/results/experiments/ship_test"');
    const missing = await host.inject("/results/nowhere");
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('href="/results/"');
  });

  it("refuses a prefix that is not a plain path", async () => {
    const other = Fastify();
    for (const prefix of ["results", "/results/", "/a?b", ""]) {
      await expect(
        mountDashboard(other, { prefix, open: async () => Promise.reject(new Error("unused")) }),
      ).rejects.toThrow(MountPrefixError);
    }
    await other.close();
  });
});
