/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page frame shared by every view. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
  .product { border: 1px solid #ddd; border-radius: 8px; padding: 1.5rem; }
  .price { font-size: 1.5rem; font-weight: 600; }
  button { font-size: 1.1rem; padding: .6rem 1.4rem; border: 0; border-radius: 6px; cursor: pointer; }
  .checkout-control { background: #6b7280; color: white; }
  .checkout-treatment { background: #16a34a; color: white; }
  table { border-collapse: collapse; margin: 1rem 0; }
  th, td { padding: .3rem .8rem; border-bottom: 1px solid #eee; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .meta { color: #666; font-size: .9rem; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}
