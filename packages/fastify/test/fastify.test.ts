import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import {
  MIDDLEWARE_SUITE_EXPERIMENT,
  MIDDLEWARE_SUITE_MANIFEST,
  MIDDLEWARE_SUITE_SECRET,
  testRequestMiddleware,
} from "@assay/testing";
import Fastify, { type FastifyInstance } from "fastify";
import { expect, it } from "vitest";
import { assayPlugin, RequestOptionsError } from "../src/index.js";
import { manifestDir } from "./manifest-dir.js";

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: "127.0.0.1" });
}

testRequestMiddleware("fastify", {
  async start() {
    const dir = await manifestDir(MIDDLEWARE_SUITE_MANIFEST);
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    const back = Fastify();
    back.register(assayPlugin, {
      assay,
      unit: [{ from: "header", name: "x-user-id" }],
      acceptPropagated: true,
    });
    back.post("/purchase", async (request) => {
      const variant = request.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      await request.assay.track("purchase", 1);
      return { unit: request.assay.unitId, variant: variant.variantId };
    });
    const backUrl = await listen(back);

    const front = Fastify();
    front.register(assayPlugin, {
      assay,
      unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET, secure: false }],
    });
    const page =
      (fail: boolean) =>
      async (request: import("fastify").FastifyRequest, reply: import("fastify").FastifyReply) => {
        const variant = request.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
        request.assay.expose(variant);
        return reply.code(fail ? 500 : 200).send({ unit: request.assay.unitId, variant: variant.variantId });
      };
    front.get("/page", page(false));
    front.get("/fail", page(true));
    front.get("/buy", async (request) => {
      const variant = request.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT);
      request.assay.expose(variant);
      const backend = await fetch(`${backUrl}/purchase`, {
        method: "POST",
        headers: request.assay.outgoingHeaders(),
      });
      return { unit: request.assay.unitId, variant: variant.variantId, backend: await backend.json() };
    });
    const frontUrl = await listen(front);
    return {
      frontUrl,
      backUrl,
      async summary() {
        await assay.flush();
        return assay.summarize(MIDDLEWARE_SUITE_EXPERIMENT);
      },
      async close() {
        await front.close();
        await back.close();
        await assay.close();
      },
    };
  },
});

it("fails registration naming a bad option", async () => {
  const dir = await manifestDir(MIDDLEWARE_SUITE_MANIFEST);
  const assay = await createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  const app = Fastify();
  app.register(assayPlugin, { assay, unit: [{ from: "cookie", secret: "too short" }] });
  const error = await app.ready().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RequestOptionsError);
  expect((error as RequestOptionsError).option).toBe("unit[0].secret");
  await assay.close();
});

it("keeps the app's own cookies beside the visitor cookie", async () => {
  const dir = await manifestDir(MIDDLEWARE_SUITE_MANIFEST);
  const assay = await createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  const app = Fastify();
  app.register(assayPlugin, { assay, unit: [{ from: "cookie", secret: MIDDLEWARE_SUITE_SECRET }] });
  app.get("/", async (request, reply) => {
    reply.header("set-cookie", "theme=dark; Path=/");
    return { variant: request.assay.assign(MIDDLEWARE_SUITE_EXPERIMENT).variantId };
  });
  app.get("/plain", async () => "no experiment here");
  const response = await app.inject({ url: "/" });
  const cookies = response.headers["set-cookie"] as string[];
  expect(cookies).toHaveLength(2);
  expect(cookies[0]).toBe("theme=dark; Path=/");
  expect(cookies[1]).toMatch(/^assay_visitor=.*; Secure$/);
  // A route that runs no experiment resolves no unit and sets no cookie.
  expect((await app.inject({ url: "/plain" })).headers["set-cookie"]).toBeUndefined();
  await app.close();
  await assay.close();
});
