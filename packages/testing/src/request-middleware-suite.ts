import type { ExperimentSummary } from "@assay/core";
import { describe, expect, it } from "vitest";

/** The experiment the suite's apps run. */
export const MIDDLEWARE_SUITE_EXPERIMENT = "checkout_button_color";

/** The manifest the harness loads (experiment-hash, 50/50); the store is the harness's choice. */
export const MIDDLEWARE_SUITE_MANIFEST = `
[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "${MIDDLEWARE_SUITE_EXPERIMENT}"
variants = [
  { id = "control",   weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]
`;

/** The front end's cookie secret; the suite signs nothing itself, it only forges. */
export const MIDDLEWARE_SUITE_SECRET = "middleware-suite-secret-0123456789abcdef";

/**
 * Two apps of one framework on 127.0.0.1, both over the same fresh Assay client running
 * MIDDLEWARE_SUITE_MANIFEST:
 *
 * - the front end, with the middleware's options
 *   `{ unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET, secure: false }] }` (cookie `assay_visitor`):
 *   - `GET /page`: `v = assign(experiment)`, `expose(v)`, 200 with JSON `{ unit: unitId, variant: v.variantId }`;
 *   - `GET /fail`: the same, but answers 500;
 *   - `GET /buy`: the same as /page, after a `POST {backUrl}/purchase` with `outgoingHeaders()`, whose JSON
 *     it returns as `backend`;
 * - the back end, with `{ unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true }`:
 *   - `POST /purchase`: `v = assign(experiment)`, `await track("purchase", 1)`, JSON `{ unit, variant }`.
 */
export interface MiddlewareSuiteApps {
  /** The front end's base URL, without a trailing slash. */
  readonly frontUrl: string;
  /** The back end's base URL, without a trailing slash. */
  readonly backUrl: string;
  /** Flushes the client and returns the event store's summary of the experiment. */
  summary(): Promise<ExperimentSummary>;
  /** Closes both apps and the client. */
  close(): Promise<void>;
}

/** How the suite starts a framework's apps. */
export interface RequestMiddlewareHarness {
  /** Fresh apps (and a fresh store) for one test. */
  start(): Promise<MiddlewareSuiteApps>;
}

interface PageAnswer {
  readonly unit: string;
  readonly variant: string;
}

const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/**
 * What issue 18 asks of every framework package, over real HTTP on loopback: one cookie per new visitor and a
 * stable variant over 100 requests; no exposure for an error page or a bot; a downstream service attributing
 * outcomes to the front end's variant without assigning again; forged and unsigned cookies ignored.
 */
export function testRequestMiddleware(framework: string, harness: RequestMiddlewareHarness): void {
  const withApps = (test: (apps: MiddlewareSuiteApps) => Promise<void>) => async () => {
    const apps = await harness.start();
    try {
      await test(apps);
    } finally {
      await apps.close();
    }
  };

  describe(`request middleware over HTTP: ${framework}`, () => {
    it(
      "gives a new visitor one signed cookie and the same variant over 100 requests",
      withApps(async (apps) => {
        const first = await get(`${apps.frontUrl}/page`);
        expect(first.status).toBe(200);
        const cookies = first.headers.getSetCookie();
        expect(cookies).toHaveLength(1);
        expect(cookies[0]).toMatch(
          /^assay_visitor=[0-9a-f-]{36}\.[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
        );
        const page = (await first.json()) as PageAnswer;
        const cookie = cookies[0]!.split(";")[0]!;
        expect(cookie.startsWith(`assay_visitor=${page.unit}.`)).toBe(true); // the cookie holds the unit
        for (let i = 0; i < 100; i++) {
          const again = await get(`${apps.frontUrl}/page`, { cookie });
          expect(again.headers.getSetCookie()).toEqual([]);
          expect(await again.json()).toEqual(page);
        }
        const summary = await apps.summary();
        expect(summary.variants.map((v) => [v.variantId, v.exposedUnits])).toEqual([[page.variant, 1]]);
      }),
    );

    it(
      "records no exposure for a page that answered 500",
      withApps(async (apps) => {
        const failed = await get(`${apps.frontUrl}/fail`);
        expect(failed.status).toBe(500);
        expect(((await failed.json()) as PageAnswer).variant).toMatch(/^(control|treatment)$/);
        const ok = await get(`${apps.frontUrl}/page`);
        expect(ok.status).toBe(200);
        const summary = await apps.summary();
        expect(summary.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(1);
      }),
    );

    it(
      "records no exposure for a bot",
      withApps(async (apps) => {
        for (let i = 0; i < 5; i++) {
          const page = await get(`${apps.frontUrl}/page`, { "user-agent": GOOGLEBOT });
          expect(page.status).toBe(200);
        }
        expect((await apps.summary()).variants).toEqual([]);
      }),
    );

    it(
      "lets a downstream service record outcomes against the front end's variant",
      withApps(async (apps) => {
        const first = await get(`${apps.frontUrl}/page`);
        const page = (await first.json()) as PageAnswer;
        const cookie = first.headers.getSetCookie()[0]!.split(";")[0]!;
        const buy = await get(`${apps.frontUrl}/buy`, { cookie });
        const answer = (await buy.json()) as PageAnswer & { backend: PageAnswer };
        expect(answer.backend).toEqual(page);
        const summary = await apps.summary();
        const purchase = summary.metrics.find((m) => m.metric === "purchase");
        expect(purchase?.variants).toEqual([
          expect.objectContaining({ variantId: page.variant, n: 1, sum: 1 }),
        ]);
        expect(summary.unattributedOutcomes).toBe(0);
        // The back end follows the header, whatever its own hash would say: it does not assign again.
        for (const variant of ["control", "treatment"]) {
          const direct = await fetch(`${apps.backUrl}/purchase`, {
            method: "POST",
            headers: {
              "x-user-id": page.unit,
              "x-assay-experiments": `${MIDDLEWARE_SUITE_EXPERIMENT}=${variant}`,
            },
          });
          expect(await direct.json()).toEqual({ unit: page.unit, variant });
        }
      }),
    );

    it(
      "ignores a forged or unsigned cookie and gives a new id",
      withApps(async (apps) => {
        const first = await get(`${apps.frontUrl}/page`, { "user-agent": BROWSER });
        const page = (await first.json()) as PageAnswer;
        const signed = first.headers.getSetCookie()[0]!.split(";")[0]!.slice("assay_visitor=".length);
        const signature = signed.slice(signed.lastIndexOf(".") + 1);
        const victim = "0b6c8a44-6f2e-4c1e-9a53-2f1d7c0e5b11";
        for (const value of [page.unit, `${page.unit}.${"x".repeat(43)}`, `${victim}.${signature}`]) {
          const forged = await get(`${apps.frontUrl}/page`, { cookie: `assay_visitor=${value}` });
          const answer = (await forged.json()) as PageAnswer;
          expect(answer.unit).not.toBe(page.unit);
          expect(answer.unit).not.toBe(victim);
          expect(forged.headers.getSetCookie()).toHaveLength(1);
        }
        const summary = await apps.summary();
        expect(summary.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(4);
      }),
    );
  });
}

function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { "user-agent": BROWSER, ...headers } });
}
