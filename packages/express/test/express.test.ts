import type { Server } from "node:http";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import {
  MIDDLEWARE_SUITE_EXPERIMENT,
  MIDDLEWARE_SUITE_MANIFEST,
  MIDDLEWARE_SUITE_SECRET,
  testRequestMiddleware,
} from "@assay/testing";
import express, { type Express, type Request, type Response } from "express";
import { expect, it } from "vitest";
import { assayMiddleware, RequestOptionsError } from "../src/index.js";
import { manifestDir } from "./manifest-dir.js";

async function listen(app: Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, server });
    });
  });
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
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

testRequestMiddleware("express", {
  async start() {
    const assay = await suiteAssay();
    const back = express();
    back.use(
      assayMiddleware({ assay, unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true }),
    );
    back.post("/purchase", async (req, res) => {
      const variant = req.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      await req.assay.track("purchase", 1);
      res.json({ unit: req.assay.unitId, variant: variant.variantId });
    });
    const backend = await listen(back);

    const front = express();
    front.use(
      assayMiddleware({ assay, unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET, secure: false }] }),
    );
    const page = (status: number) => (req: Request, res: Response) => {
      const variant = req.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      req.assay.expose(variant);
      res.status(status).json({ unit: req.assay.unitId, variant: variant.variantId });
    };
    front.get("/page", page(200));
    front.get("/fail", page(500));
    front.get("/buy", async (req, res) => {
      const variant = req.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      req.assay.expose(variant);
      const answer = await fetch(`${backend.url}/purchase`, {
        method: "POST",
        headers: req.assay.outgoingHeaders(),
      });
      res.json({ unit: req.assay.unitId, variant: variant.variantId, backend: await answer.json() });
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
  expect(() => assayMiddleware({ assay, unit: [{ from: "header", name: "x user id" }] })).toThrow(
    RequestOptionsError,
  );
  expect(() => assayMiddleware({ assay, unit: [{ from: "header", name: "x user id" }] })).toThrow(
    /unit\[0\]\.name/,
  );
  await assay.close();
});

it("records no exposure for a route that threw (Express's error handler answers 500)", async () => {
  const assay = await suiteAssay();
  const app = express();
  app.use(assayMiddleware({ assay, unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET }] }));
  app.get("/", (req) => {
    req.assay.expose(req.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT));
    throw new Error("render failed");
  });
  app.use((_error: unknown, _req: Request, res: Response, _next: () => void) => {
    res.status(500).send("sorry");
  });
  const { url, server } = await listen(app);
  expect((await fetch(url)).status).toBe(500);
  await closeServer(server);
  await assay.flush();
  expect((await assay.summarize(MIDDLEWARE_SUITE_EXPERIMENT)).variants).toEqual([]);
  await assay.close();
});
