import { randomUUID } from "node:crypto";
import { ExperimentContext } from "@assay/core";
import type { Assay } from "@assay/runtime";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { notFoundPage, PRODUCT, productPage, resultsPage, thanksPage } from "./views.js";

export const EXPERIMENT = "checkout_button_color";
const VISITOR_COOKIE = "assay_visitor";
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The shop: one product page running the checkout-button experiment.
 * - a cookie gives each visitor a stable id, the experiment's unit;
 * - GET / assigns (pure), renders the variant, then exposes it: only what was shown is counted;
 * - POST /checkout records the conversion and the revenue as outcomes;
 * - GET /results shows what the event store has summarized so far;
 * - any other path is an HTML 404 page.
 */
export function buildServer(assay: Assay, options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.register(cookie);
  app.register(formbody);

  app.get("/", async (request, reply) => {
    const ctx = ExperimentContext.forUser(visitorId(request, reply));
    const variant = assay.assign(EXPERIMENT, ctx);
    const html = productPage(variant, ctx.userId!);
    // Rendered: now the exposure is true. Not awaited: the page does not wait for the disk; the promise
    // settles once the event is durable, and a failure is logged rather than lost silently.
    assay
      .expose(variant, ctx)
      .catch((error: unknown) => request.log.error({ err: error }, "exposure not recorded"));
    return reply.type("text/html; charset=utf-8").send(html);
  });

  app.post("/checkout", async (request, reply) => {
    const ctx = ExperimentContext.forUser(visitorId(request, reply));
    // Awaited: the purchase is the numerator of the experiment, so confirm it is stored before thanking.
    await assay.track(EXPERIMENT, "checkout", true, ctx);
    await assay.track(EXPERIMENT, "revenue", PRODUCT.price, ctx);
    return reply.redirect("/thanks", 303);
  });

  app.get("/thanks", async (_request, reply) => reply.type("text/html; charset=utf-8").send(thanksPage()));

  app.get("/results", async (_request, reply) => {
    await assay.flush();
    const summary = await assay.summarize(EXPERIMENT);
    return reply.type("text/html; charset=utf-8").send(resultsPage(summary));
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(notFoundPage(request.url.split("?")[0] ?? "/")),
  );

  return app;
}

/** The visitor's id from the cookie, or a new one set on the response. */
function visitorId(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[VISITOR_COOKIE];
  if (existing !== undefined && /^[0-9a-f-]{36}$/.test(existing)) return existing;
  const id = randomUUID();
  reply.setCookie(VISITOR_COOKIE, id, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    maxAge: ONE_YEAR_SECONDS,
  });
  request.cookies[VISITOR_COOKIE] = id;
  return id;
}
