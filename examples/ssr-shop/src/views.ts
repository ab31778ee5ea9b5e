import type { Variant } from "@assay/core";
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
(${variant.inExperiment ? "enrolled" : `not enrolled: ${escapeHtml(variant.reason)}`}). <a href="/results/experiments/checkout_button_color">Results so far</a></p>`,
  );
}

/** The page of a path the shop does not have (a real HTML page, not the framework's JSON). */
export function notFoundPage(path: string): string {
  return page(
    "Not found",
    `<h1>Not found</h1><p>The shop has no page <code>${escapeHtml(path)}</code>.</p><p><a href="/">Back to the shop</a> · <a href="/results/experiments/checkout_button_color">Results so far</a></p>`,
  );
}

export function thanksPage(): string {
  return page(
    "Thank you",
    `<h1>Thank you!</h1><p>Your notebook is on its way.</p><p><a href="/">Back to the shop</a> · <a href="/results/experiments/checkout_button_color">Results so far</a></p>`,
  );
}
