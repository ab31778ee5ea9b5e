import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createAssay } from "@assay/runtime";
import { shop } from "./shop.js";

// The manifest beside package.json; events go to its embedded default store (.assay/ beside it).
const assay = await createAssay({
  manifest: process.env.ASSAY_MANIFEST ?? join(import.meta.dirname, "..", "assay.toml"),
});
// Plain http here, so the cookie is not Secure; ASSAY_COOKIE_SECRET keeps visitors' ids across restarts.
const secret = process.env.ASSAY_COOKIE_SECRET ?? randomBytes(32).toString("hex");
const server = shop(assay, { secret, secure: false }).listen(
  Number(process.env.PORT ?? 3001),
  "127.0.0.1",
  () => {
    console.log(`Assay express shop: http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  },
);
