import type { Server } from "node:http";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { expect, it } from "vitest";
import { EXPERIMENT, shop } from "../src/shop.js";

const SECRET = "express-shop-test-secret-0123456789abcdef";

it("gives each visitor a signed cookie and a stable button, counts exposures and attributes checkouts", async () => {
  const assay = await createAssay({
    manifest: join(import.meta.dirname, "..", "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  const server: Server = await new Promise((resolve) => {
    const s = shop(assay, { secret: SECRET, secure: false }).listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const visitors: Array<{ cookie: string; variant: string }> = [];
    for (let i = 0; i < 20; i++) {
      const page = await fetch(`${url}/`);
      const [cookie] = page.headers.getSetCookie();
      expect(cookie).toMatch(
        /^assay_visitor=[0-9a-f-]{36}\.[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      const html = await page.text();
      const variant = /data-variant="(\w+)"/.exec(html)![1]!;
      expect(html).toContain(variant === "treatment" ? "Buy now" : "Checkout");
      visitors.push({ cookie: cookie!.split(";")[0]!, variant });
    }
    const again = await fetch(`${url}/`, { headers: { cookie: visitors[0]!.cookie } });
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.text()).toContain(`data-variant="${visitors[0]!.variant}"`);
    await fetch(`${url}/`, { headers: { "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } });
    const buyers = visitors.slice(0, 5);
    for (const { cookie } of buyers) {
      expect((await fetch(`${url}/checkout`, { method: "POST", headers: { cookie } })).status).toBe(200);
    }

    await assay.flush();
    const summary = await assay.summarize(EXPERIMENT);
    for (const variant of ["control", "treatment"]) {
      const exposed = summary.variants.find((v) => v.variantId === variant)?.exposedUnits ?? 0;
      expect(exposed).toBe(visitors.filter((v) => v.variant === variant).length); // the bot is not counted
      const checkouts = summary.metrics[0]!.variants.find((v) => v.variantId === variant)?.sum ?? 0;
      expect(checkouts).toBe(buyers.filter((b) => b.variant === variant).length);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await assay.close();
  }
});
