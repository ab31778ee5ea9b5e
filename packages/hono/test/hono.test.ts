import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import {
  MIDDLEWARE_SUITE_EXPERIMENT,
  MIDDLEWARE_SUITE_MANIFEST,
  MIDDLEWARE_SUITE_SECRET,
  testRequestMiddleware,
} from "@assay/testing";
import { type ServerType, serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { expect, it } from "vitest";
import { assayMiddleware, RequestOptionsError } from "../src/index.js";
import { manifestDir } from "./manifest-dir.js";

function listen(app: Hono): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, server }),
    );
  });
}

const closeServer = (server: ServerType) =>
  new Promise<void>((resolve, reject) => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });

async function suiteAssay() {
  const dir = await manifestDir(MIDDLEWARE_SUITE_MANIFEST);
  return createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
}

testRequestMiddleware("hono", {
  async start() {
    const assay = await suiteAssay();
    const back = new Hono();
    back.use(
      assayMiddleware({ assay, unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true }),
    );
    back.post("/purchase", async (c) => {
      const variant = c.get("assay").assign(MIDDLEWARE_SUITE_EXPERIMENT);
      await c.get("assay").track("purchase", 1);
      return c.json({ unit: c.get("assay").unitId, variant: variant.variantId });
    });
    const backend = await listen(back);

    const front = new Hono();
    front.use(
      assayMiddleware({ assay, unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET, secure: false }] }),
    );
    const page = (status: 200 | 500) => (c: Context) => {
      const variant = c.get("assay").assign(MIDDLEWARE_SUITE_EXPERIMENT);
      c.get("assay").expose(variant);
      return c.json({ unit: c.get("assay").unitId, variant: variant.variantId }, status);
    };
    front.get("/page", page(200));
    front.get("/fail", page(500));
    front.get("/buy", async (c) => {
      const assay = c.get("assay");
      const variant = assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      assay.expose(variant);
      const answer = await fetch(`${backend.url}/purchase`, {
        method: "POST",
        headers: assay.outgoingHeaders(),
      });
      return c.json({ unit: assay.unitId, variant: variant.variantId, backend: await answer.json() });
    });
    const frontend = await listen(front);
    return {
      frontUrl: frontend.url,
      backUrl: backend.url,
      async summary() {
        await assay.flush();
        return assay.summarize(MIDDLEWARE_SUITE_EXPERIMENT);
      },
      async close() {
        await closeServer(frontend.server);
        await closeServer(backend.server);
        await assay.close();
      },
    };
  },
});

it("throws naming a bad option when the middleware is made", async () => {
  const assay = await suiteAssay();
  expect(() => assayMiddleware({ assay, unit: [], exposure: "immediate" })).toThrow(RequestOptionsError);
  expect(() => assayMiddleware({ assay, unit: [{ from: "cookie", secret: "x" }] })).toThrow(
    /unit\[0\]\.secret/,
  );
  await assay.close();
});

it("records no exposure for a handler that threw, and keeps the app's own cookies", async () => {
  const assay = await suiteAssay();
  const app = new Hono();
  app.use(assayMiddleware({ assay, unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET }] }));
  app.onError((_error, c) => c.text("sorry", 500));
  app.get("/boom", (c) => {
    c.get("assay").expose(c.get("assay").assign(MIDDLEWARE_SUITE_EXPERIMENT));
    throw new Error("render failed");
  });
  app.get("/", (c) => {
    c.header("Set-Cookie", "theme=dark; Path=/", { append: true });
    return c.text(c.get("assay").assign(MIDDLEWARE_SUITE_EXPERIMENT).variantId);
  });
  const boom = await app.request("/boom");
  expect(boom.status).toBe(500);
  const page = await app.request("/");
  const cookies = page.headers.getSetCookie();
  expect(cookies).toHaveLength(2);
  expect(cookies).toContain("theme=dark; Path=/");
  await assay.flush();
  expect((await assay.summarize(MIDDLEWARE_SUITE_EXPERIMENT)).variants).toEqual([]);
  await assay.close();
});
