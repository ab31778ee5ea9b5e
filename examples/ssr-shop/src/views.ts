import type { ExperimentSummary, Variant } from "@assay/core";
import { escapeHtml, page } from "./html.js";

/** What each variant of checkout_button_color renders. Unknown ids fall back to control. */
const BUTTONS: Record<string, { label: string; className: string }> = {
  control: { label: "Checkout", className: "checkout-control" },
  treatment: { label: "Buy now", className: "checkout-treatment" },
};

export const PRODUCT = { name: "Assay field notebook", price: 24 } as const;

export function productPage(variant: Variant, visitorId: string): string {
  const button = BUTTONS[variant.variantId] ?? BUTTONS.control!;
  return page(
    PRODUCT.name,
    `<h1>Assay shop</h1>
<div class="product">
  <h2>${escapeHtml(PRODUCT.name)}</h2>
  <p>Dot-grid pages for writing down hypotheses before you look at the data.</p>
  <p class="price">$${PRODUCT.price}</p>
  <form method="post" action="/checkout">
    <button type="submit" class="${button.className}" data-variant="${escapeHtml(variant.variantId)}">${escapeHtml(button.label)}</button>
  </form>
</div>
<p class="meta">You are visitor <code>${escapeHtml(visitorId)}</code>, in variant <strong>${escapeHtml(variant.variantId)}</strong>
(${variant.inExperiment ? "enrolled" : `not enrolled: ${escapeHtml(variant.reason)}`}). <a href="/results">Results so far</a></p>`,
  );
}

/** The page of a path the shop does not have (a real HTML page, not the framework's JSON). */
export function notFoundPage(path: string): string {
  return page(
    "Not found",
    `<h1>Not found</h1><p>The shop has no page <code>${escapeHtml(path)}</code>.</p><p><a href="/">Back to the shop</a> · <a href="/results">Results so far</a></p>`,
  );
}

export function thanksPage(): string {
  return page(
    "Thank you",
    `<h1>Thank you!</h1><p>Your notebook is on its way.</p><p><a href="/">Back to the shop</a> · <a href="/results">Results so far</a></p>`,
  );
}

export function resultsPage(summary: ExperimentSummary): string {
  const conversions = summary.metrics.find((m) => m.metric === "checkout");
  const revenue = summary.metrics.find((m) => m.metric === "revenue");
  const rows = summary.variants
    .map((v) => {
      const c = conversions?.variants.find((x) => x.variantId === v.variantId);
      const r = revenue?.variants.find((x) => x.variantId === v.variantId);
      const rate = c && c.n > 0 ? `${((100 * c.sum) / c.n).toFixed(1)}%` : "-";
      const perVisitor = r && r.n > 0 ? `$${(r.sum / r.n).toFixed(2)}` : "-";
      return `<tr><td>${escapeHtml(v.variantId)}</td><td>${v.exposedUnits}</td><td>${c?.sum ?? 0}</td><td>${rate}</td><td>${perVisitor}</td></tr>`;
    })
    .join("\n");
  return page(
    "Results: checkout_button_color",
    `<h1>checkout_button_color</h1>
<table>
<thead><tr><th>variant</th><th>visitors (exposed)</th><th>checkouts</th><th>conversion</th><th>revenue / visitor</th></tr></thead>
<tbody>
${rows || `<tr><td colspan="5">No exposures yet: <a href="/">visit the shop</a>.</td></tr>`}
</tbody>
</table>
<p class="meta">Counted from the event store: a visitor counts from their first exposure; checkouts before it are not counted.
${summary.unattributedOutcomes > 0 ? `${summary.unattributedOutcomes} outcomes had no earlier exposure.` : ""}
The same numbers: <code>npm run assay -- results checkout_button_color --manifest examples/ssr-shop/assay.toml</code></p>
<p><a href="/">Back to the shop</a></p>`,
  );
}
