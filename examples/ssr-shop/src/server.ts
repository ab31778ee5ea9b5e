import { randomBytes } from "node:crypto";
import { assayPlugin } from "@assay/fastify";
import type { Assay } from "@assay/runtime";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance } from "fastify";
import { mountResults } from "./dashboard.js";
import { notFoundPage, PRODUCT, productPage, thanksPage } from "./views.js";

export const EXPERIMENT = "checkout_button_color";

/** How the shop is served. */
export interface ShopOptions {
  readonly logger?: boolean;
  /**
   * Signs the visitor cookie (32+ characters). Default: a random secret per process, so visitors get new ids
   * when the server restarts; give a fixed one (ASSAY_COOKIE_SECRET in main.ts) to keep them.
   */
  readonly cookieSecret?: string;
  /** Mark the visitor cookie `Secure` (default true). The demo serves plain http, so main.ts turns it off. */
  readonly secureCookie?: boolean;
  /** The manifest's folder: the dashboard marks the experiments `assay simulate` seeded there. */
  readonly manifestDir?: string;
}

/**
 * The shop: one product page running the checkout-button experiment.
 * - the @assay/fastify plugin gives each visitor a stable id in a signed cookie, the experiment's unit;
 * - GET / assigns (pure), renders the variant, then exposes it: counted once the page was sent (status < 400);
 * - POST /checkout records the conversion and the revenue as outcomes;
 * - /results is Assay's results dashboard (decision, intervals, trend), mounted from @assay/server;
 * - any other path is an HTML 404 page.
 */
export function buildServer(assay: Assay, options: ShopOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.register(assayPlugin, {
    assay,
    unit: [
      {
        from: "cookie",
        secret: options.cookieSecret ?? randomBytes(32).toString("hex"),
        secure: options.secureCookie ?? true,
      },
    ],
  });
  app.register(formbody);

  app.get("/", async (request, reply) => {
    const variant = request.assay.assign(EXPERIMENT);
    const html = productPage(variant, request.assay.unitId!);
    // Rendered: the plugin records the exposure once the page was sent without error, never for a bot; a
    // failure to record goes to createAssay's onError rather than being lost silently.
    request.assay.expose(variant);
    return reply.type("text/html; charset=utf-8").send(html);
  });

  app.post("/checkout", async (request, reply) => {
    // Awaited: the purchase is the numerator of the experiment, so confirm it is stored before thanking.
    await request.assay.track("checkout", true, { experiment: EXPERIMENT });
    await request.assay.track("revenue", PRODUCT.price, { experiment: EXPERIMENT });
    return reply.redirect("/thanks", 303);
  });

  app.get("/thanks", async (_request, reply) => reply.type("text/html; charset=utf-8").send(thanksPage()));

  app.register(async (instance) => mountResults(instance, assay, options.manifestDir));

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .type("text/html; charset=utf-8")
      .send(notFoundPage(request.url.split("?")[0] ?? "/")),
  );

  return app;
}
