import type { VariantValue } from "@assay/core";
import { describeValue } from "../describe.js";
import type { ManifestPath } from "../path.js";
import { isTable } from "../toml-value.js";
import { type Check, type CheckContext, INVALID, type Invalid } from "./check.js";

/** Deeper than this is refused: a variant's value is configuration, not a data dump. */
export const MAX_VALUE_DEPTH = 32;

/**
 * A variant's `value`: any TOML value. Dates become their TOML text (`1979-05-27`, `07:32:00`) so the
 * value stays JSON (OFREP serves it as is); `nan` and `inf`, which JSON cannot carry, are refused at the
 * element that holds them. The result is deeply frozen: it is shared by every Variant served.
 */
export function variantValue(): Check<VariantValue> {
  return (value, path, ctx) => convert(value, path, ctx, 0);
}

function convert(
  value: unknown,
  path: ManifestPath,
  ctx: CheckContext,
  depth: number,
): VariantValue | Invalid {
  if (depth > MAX_VALUE_DEPTH) {
    ctx.report(path, `a variant value nests at most ${MAX_VALUE_DEPTH} arrays or tables deep`);
    return INVALID;
  }
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    ctx.report(
      path,
      `must be a finite number, got ${describeValue(value)} (JSON, which OFREP serves, has no nan or inf)`,
    );
    return INVALID;
  }
  // TOML dates and times: smol-toml's TomlDate prints them as written (a local date stays a date).
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = value.map((item, index) => convert(item, [...path, index], ctx, depth + 1));
    return items.includes(INVALID) ? INVALID : Object.freeze(items as VariantValue[]);
  }
  if (isTable(value)) {
    const entries = Object.keys(value).map((key) => [
      key,
      convert(value[key], [...path, key], ctx, depth + 1),
    ]);
    if (entries.some(([, v]) => v === INVALID)) return INVALID;
    // fromEntries defines own properties, so a key named __proto__ stays a key.
    return Object.freeze(Object.fromEntries(entries) as { [key: string]: VariantValue });
  }
  ctx.report(
    path,
    `must be a TOML value (string, number, boolean, date, array or table), got ${describeValue(value)}`,
  );
  return INVALID;
}
