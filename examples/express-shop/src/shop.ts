import { assayMiddleware } from "@assay/express";
import type { Assay } from "@assay/runtime";
import express, { type Express } from "express";

export const EXPERIMENT = "checkout_button_color";

/** The ssr-shop's experiment on Express: @assay/express does the cookie, the context and the exposure timing. */
export function shop(assay: Assay, cookie: { secret: string; secure: boolean }): Express {
  const app = express();
  app.use(assayMiddleware({ assay, unit: [{ from: "cookie", ...cookie }] }));
  app.get("/", (req, res) => {
    const variant = req.assay.assign(EXPERIMENT);
    req.assay.expose(variant); // counted once this page is sent with a status < 400, never for a bot
    const label = variant.variantId === "treatment" ? "Buy now" : "Checkout";
    res
      .type("html")
      .send(
        `<form method="post" action="/checkout"><button data-variant="${variant.variantId}">${label}</button></form>`,
      );
  });
  app.post("/checkout", async (req, res) => {
    await req.assay.track("checkout", true, { experiment: EXPERIMENT });
    res.type("html").send("<p>Thanks for your order.</p>");
  });
  return app;
}
