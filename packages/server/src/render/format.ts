/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** 4210 → "4,210". */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** An effect with its sign: relative in percent, absolute to 4 significant digits, ±∞ for unbounded. */
export function effect(value: number, scale: "relative" | "absolute"): string {
  if (value === Number.POSITIVE_INFINITY) return "∞";
  if (value === Number.NEGATIVE_INFINITY) return "−∞";
  const sign = value > 0 ? "+" : value < 0 ? "−" : "";
  const magnitude = Math.abs(value);
  return scale === "relative"
    ? `${sign}${(magnitude * 100).toFixed(2)}%`
    : `${sign}${Number(magnitude.toPrecision(4))}`;
}

/** p-values as `assay results` prints them: 4 decimals, or exponent form below 0.0001. */
export function pValue(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return "–";
  if (p === 0) return "0";
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** 0.4321 → "43.2%". */
export function percent(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}

/** A mean to 4 significant digits, "–" for an arm with no units. */
export function mean(value: number, units: number): string {
  return units === 0 ? "–" : String(Number(value.toPrecision(4)));
}
