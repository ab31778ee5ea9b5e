import { esc } from "./format.js";
import { page } from "./layout.js";

/** An error page: a plain title, what happened, what to do. Never a stack trace. */
export function errorPage(title: string, message: string, extra = "", base = ""): string {
  return page({
    base,
    title,
    body: `<section class="card" data-error="${esc(title)}"><h1>${esc(title)}</h1><p>${esc(message)}</p>${extra}</section>`,
  });
}

/** The 404 of an unknown experiment, naming the known ones. */
export function unknownExperimentPage(id: string, known: readonly string[], base = ""): string {
  const list = known
    .map((k) => `<li><a href="${esc(base)}/experiments/${encodeURIComponent(k)}">${esc(k)}</a></li>`)
    .join("");
  return errorPage(
    "Experiment not found",
    `The manifest declares no experiment ${JSON.stringify(id.slice(0, 200))}.`,
    known.length === 0
      ? "<p>It declares no experiment at all.</p>"
      : `<p>Known experiments:</p><ul>${list}</ul>`,
    base,
  );
}

/** The login form shown to a browser without the token: a plain GET form, so it needs no script. */
export function loginPage(wrong: boolean, base = ""): string {
  return errorPage(
    "Token required",
    wrong
      ? "That token is not the right one."
      : "This dashboard is protected by a token (ASSAY_DASHBOARD_TOKEN on the server).",
    `<form method="get" action="${esc(base)}/login"><label>Token <input type="password" name="token" autocomplete="current-password" required></label> <button type="submit">Open</button></form>`,
    base,
  );
}
